import sys

from corslab.cli import main

sys.exit(main())
