import sys

from bench.costs.runner import main

sys.exit(main())
