"""What the reader starts from: copied into their folder by `exercise(n)`, then theirs."""
