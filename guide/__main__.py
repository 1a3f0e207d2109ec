"""`python -m guide`: see guide.cli."""

import sys

from guide.cli import main

if __name__ == "__main__":
    sys.exit(main())
