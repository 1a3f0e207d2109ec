# Exercise 7: the median is the middle run, and one slow run barely moves it; the p95 sits
# at the top, where the one slow run now is.
answer = "p95"
