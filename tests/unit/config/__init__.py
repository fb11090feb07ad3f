"""Unit tests of the config layer: models, durations and the loader."""
