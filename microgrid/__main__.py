"""``python -m microgrid`` runs the CLI."""

import sys

from microgrid.app.cli import main

sys.exit(main())
