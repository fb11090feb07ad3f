"""How the CLI finds a ``trueup serve`` running for its configuration and store.

Each ``trueup serve`` announces itself once its listener is open: a small JSON file in a
folder next to the store (``trueup.db.servers/<pid>.json``) with the URL of its API, the
process (``trueup.store.Owner``) and the configuration it runs. It removes the file when
it stops; one that a killed process left behind is recognised by its owner being provably
gone, and ignored (and removed). The CLI uses a daemon announced for the same store and
the same configuration, so that it shows what that daemon sees.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from trueup.store import Owner

_UNSPECIFIED = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104


@dataclass(frozen=True, slots=True)
class Announcement:
    """A running ``trueup serve``: where its API answers, which process, which configuration."""

    url: str
    owner: str
    config: str
    file: Path


def servers_folder(store: Path) -> Path:
    """Where the daemons using ``store`` announce themselves."""
    return store.parent / f"{store.name}.servers"


def local_url(host: str, port: int) -> str:
    """The URL of a listener on ``host:port`` from this machine (a wildcard host becomes
    loopback)."""
    host = _UNSPECIFIED.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def announce(store: Path, config: Path, url: str) -> Path:
    """Announce this process as serving ``url`` for ``store`` and ``config``; returns the
    file, for :func:`withdraw`. Written whole or not at all (a temporary file renamed)."""
    folder = servers_folder(store)
    folder.mkdir(parents=True, exist_ok=True)
    owner = Owner.current()
    content = {"url": url, "owner": str(owner), "config": str(config.resolve())}
    path = folder / f"{owner.pid}.json"
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    with os.fdopen(fd, "w") as handle:
        json.dump(content, handle)
    os.replace(temporary, path)
    return path


def withdraw(path: Path) -> None:
    """Remove an announcement written by :func:`announce` (gone already is fine)."""
    path.unlink(missing_ok=True)


def discover(store: Path, config: Path) -> list[Announcement]:
    """The daemons announced for ``store`` and ``config`` whose process may be alive, newest
    announcement first. Files that do not parse are skipped; those of processes provably
    gone are removed."""
    folder = servers_folder(store)
    try:
        files = sorted(folder.glob("*.json"), key=_modified, reverse=True)
    except OSError:
        return []
    wanted = str(config.resolve())
    found = []
    for file in files:
        announced = _read(file)
        if announced is None:
            continue
        owner = Owner.parse(announced.owner)
        if owner is None or owner.gone():
            with contextlib.suppress(OSError):
                file.unlink()
            continue
        if announced.config == wanted:
            found.append(announced)
    return found


def _read(file: Path) -> Announcement | None:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    url, owner, config = data.get("url"), data.get("owner"), data.get("config")
    if not (isinstance(url, str) and isinstance(owner, str) and isinstance(config, str)):
        return None
    if not url.startswith(("http://", "https://")):
        return None
    return Announcement(url, owner, config, file)


def _modified(file: Path) -> float:
    try:
        return file.stat().st_mtime
    except OSError:
        return 0.0
