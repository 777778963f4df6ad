import sys

from eval.elitr.benchmark import main

if __name__ == "__main__":
    sys.exit(main())
