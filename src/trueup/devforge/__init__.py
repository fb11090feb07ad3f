"""A local forge stub: the commit-status, pull-request and comment endpoints of GitHub,
GitLab and Gitea, served in memory on loopback (``trueup dev-forge``, and the tests).

It lets a new user watch trueup's commit statuses and pull-request comments arrive
without an account on a forge, and lets the tests check trueup's forge clients against a
real HTTP server. It is no forge: repositories exist when named, nothing is persisted.
"""

from __future__ import annotations

from trueup.devforge.server import FORGES, ROOTS, DevForge
from trueup.devforge.state import ForgeState, Note, Pull, Status

__all__ = ["FORGES", "ROOTS", "DevForge", "ForgeState", "Note", "Pull", "Status"]
