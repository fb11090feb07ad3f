"""The rules of what a Git source may name, in one place for configuration and source.

Pure, and below both ``config`` and ``source`` so that both apply the same rules: a URL
or ref the configuration accepts is one a fetch accepts, and the other way round.

- :mod:`~trueup.gitspec.url`: repository URLs (https, ssh, scp-like, local paths; plain
  http only for a loopback host; never a remote helper or credentials in the URL).
- :mod:`~trueup.gitspec.ref`: :class:`GitRef` (one of branch, tag, semver range, commit)
  and the rules for each.
- :mod:`~trueup.gitspec.semver`: versions and ranges, to pick a tag by a range.
- :mod:`~trueup.gitspec.commit`: :class:`Commit` (author, subject, time), read by the
  source and kept with every attempt by the store, and how git is asked for it.
"""

from __future__ import annotations

from trueup.gitspec.commit import COMMIT_FORMAT, Commit, parse_commit
from trueup.gitspec.ref import GitRef, Problem, RefKind, ref_problem, validate_ref
from trueup.gitspec.url import Remote, Transport, parse_url

__all__ = [
    "COMMIT_FORMAT",
    "Commit",
    "GitRef",
    "Problem",
    "RefKind",
    "Remote",
    "Transport",
    "parse_commit",
    "parse_url",
    "ref_problem",
    "validate_ref",
]
