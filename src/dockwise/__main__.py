import sys

from dockwise.cli import main

sys.exit(main())
