"""Subcommands of the ``microgrid`` CLI, one module each (``add_parser`` + ``run``)."""
