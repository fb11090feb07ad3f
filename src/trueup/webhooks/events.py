"""Which event a request reports, from the forge's event header, in trueup's words.

- github: ``X-GitHub-Event``; ``push`` is a push (of a branch or a tag), ``ping`` and
  everything else are other events;
- gitea: ``X-Gitea-Event`` or ``X-Forgejo-Event`` (both, when both are sent, must agree);
  ``push`` is a push;
- gitlab: ``X-Gitlab-Event``; ``Push Hook`` is ``push``, ``Tag Push Hook`` is ``tag_push``;
- generic: no header; every request is a push.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from trueup.config.receiver import HookEvent, ReceiverType
from trueup.webhooks.headers import Headers

_EVENT_HEADERS: Final[dict[ReceiverType, tuple[str, ...]]] = {
    ReceiverType.GITHUB: ("X-GitHub-Event",),
    ReceiverType.GITEA: ("X-Gitea-Event", "X-Forgejo-Event"),
    ReceiverType.GITLAB: ("X-Gitlab-Event",),
}

_PUSHES: Final[dict[ReceiverType, dict[str, HookEvent]]] = {
    ReceiverType.GITHUB: {"push": HookEvent.PUSH},
    ReceiverType.GITEA: {"push": HookEvent.PUSH},
    ReceiverType.GITLAB: {"Push Hook": HookEvent.PUSH, "Tag Push Hook": HookEvent.TAG_PUSH},
}

_SHOWABLE = re.compile(r"[A-Za-z0-9 _.:-]{1,64}")


@dataclass(frozen=True, slots=True)
class ForgeEvent:
    """The event a request reports: a push (``push`` set) or another one, by its name."""

    name: str
    """The forge's name for it, shown only when it is short plain text."""
    push: HookEvent | None

    @property
    def shown(self) -> str:
        """``name`` quoted when it is short plain text, else a neutral description."""
        return f"'{self.name}'" if _SHOWABLE.fullmatch(self.name) else "of an unknown kind"


def event_of(receiver_type: ReceiverType, headers: Headers) -> ForgeEvent | str:
    """The event the request reports, or why its event header is unusable (a message)."""
    names = _EVENT_HEADERS.get(receiver_type)
    if names is None:
        return ForgeEvent("push", HookEvent.PUSH)
    values = {value for name in names if (value := headers.get(name.lower())) is not None}
    conflicting = [name for name in names if name.lower() in headers.conflicting]
    if len(values) > 1 or conflicting:
        return f"the event is given twice with different names ({', '.join(names)})"
    if not values:
        return f"no {' or '.join(names)} header: trueup cannot tell a push from other events"
    [name] = values
    return ForgeEvent(name, _PUSHES[receiver_type].get(name))
