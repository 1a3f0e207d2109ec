# Exercise 5: five different items, each completed once (completing one item again does
# not count: the badge counts completed items).


def earn_high_five(demo, ann):
    for n in range(5):
        item = demo.call("POST", "/api/v1/items", json={"title": f"Task {n}"}, headers=ann)
        demo.call("PUT", f"/api/v1/items/{item.json()['id']}", json={"is_completed": True},
                  headers=ann)


answer = earn_high_five
