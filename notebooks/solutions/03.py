# Exercise 3: each job's three steps run one after another (3 x 0.5 s), but the two
# requests' tasks run side by side: job D does not wait for job C.
answer = 1.5
