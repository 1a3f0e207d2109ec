# Exercise 10: one more worker process on the same queue; the web app is not touched.


def scale(stack):
    return stack.worker("w2")


answer = scale
