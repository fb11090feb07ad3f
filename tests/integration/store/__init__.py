"""Integration tests of the store layer, against real SQLite files."""
