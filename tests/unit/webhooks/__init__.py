"""Unit tests of the webhooks layer: verifying and reading hook requests, choosing sources."""
