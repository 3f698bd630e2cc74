"""``python -m gdplay``: the app, or the headless CLI when given a command."""

import sys

from gdplay.app import main

if __name__ == "__main__":
    sys.exit(main())
