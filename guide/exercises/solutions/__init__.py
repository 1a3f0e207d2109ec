"""One way to pass each check, kept apart from the starters; the suite checks each one."""
