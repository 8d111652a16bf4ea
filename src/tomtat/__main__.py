"""``python -m tomtat`` runs the command line."""

import sys

from tomtat.cli import main

sys.exit(main())
