"""The one Git writer: every commit trueup pushes goes through :func:`write`.

Rollback by revert, image updates and anything else that changes a repository describe
the change as a :class:`WriteRequest` (branch, message, an ``edit`` callback) and hand it
with a :class:`WritableRepository` (the source's URL with its *write* credentials, author,
optional signing key, retry budget) to :func:`write`. Build the repository from a
``GitSource`` and its Secrets with :func:`writable_repository_for`.

What the writer guarantees:

- the change is made in a private temporary work tree, removed afterwards; credentials
  and signing keys live only in a private scratch directory, never on a command line or
  in a message;
- no change, no commit; author and committer are the configured identity; commits are
  signed when a key is given;
- pushes are never forced. A push rejected because someone pushed in between is handled
  by fetching the new head and running ``edit`` again on top of it, at most ``retries``
  times (then :class:`~trueup.errors.PushConflictError`); a push the server refuses for
  another reason (protected branch, hook, permission) is not retried:
  :class:`~trueup.errors.PushRejectedError`;
- ``force_with_lease`` only for a branch the caller owns, never the source's followed
  branch, and only with the lease ``git push --force-with-lease=<branch>:<expected>``.
"""

from __future__ import annotations

from trueup.config.gitsource import (
    DEFAULT_AUTHOR_EMAIL,
    DEFAULT_AUTHOR_NAME,
    DEFAULT_RETRIES,
    MAX_RETRIES,
)
from trueup.gitwrite.from_config import writable_repository_for
from trueup.gitwrite.model import (
    Author,
    Edit,
    Message,
    SigningKey,
    SigningMode,
    WritableRepository,
    WriteRequest,
    WriteResult,
)
from trueup.gitwrite.writer import write

__all__ = [
    "DEFAULT_AUTHOR_EMAIL",
    "DEFAULT_AUTHOR_NAME",
    "DEFAULT_RETRIES",
    "MAX_RETRIES",
    "Author",
    "Edit",
    "Message",
    "SigningKey",
    "SigningMode",
    "WritableRepository",
    "WriteRequest",
    "WriteResult",
    "writable_repository_for",
    "write",
]
