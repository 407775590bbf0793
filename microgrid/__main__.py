"""``python -m microgrid`` runs the CLI."""

import sys

from microgrid.cli import main

sys.exit(main())
