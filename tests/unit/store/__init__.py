"""Unit tests of the store layer, against the in-memory store."""
