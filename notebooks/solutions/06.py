# Exercise 6: the batch tries every recipient, then raises because one failed, so the run
# is retried as a whole; each send carries a key (newsletter:ID:address) and the keys of
# cat and eve are already recorded: only dee gets a new email. One copy each.
answer = {"cat": 1, "dee": 1, "eve": 1}
