"""The ``trueup`` command line."""
