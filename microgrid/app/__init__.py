"""The application layer: the ``microgrid`` command, its subcommands, the expression language
and the walkthroughs of the seeds' derivations.

Built on the engine (``microgrid.engine``), the NN library and ``viz``; nothing in the library
imports from here.
"""
