"""`python -m guide.exercises [exercise|check] ...`: see guide.exercises.cli."""

import sys

from guide.exercises.cli import main

if __name__ == "__main__":
    sys.exit(main())
