"""The pull requests of one ImageUpdate run, through one forge client.

:class:`Pulls` opens the forge of ``push.pullRequest`` on first use (the token from its
Secret) and shares it between the run's branches. It answers two questions: has a person
already declined these images on this branch (:meth:`Pulls.declined`: asked before an
update branch is rebuilt, so that a declined image set is neither pushed again nor
proposed again), and :meth:`Pulls.upsert`: open the branch's pull request, or update it in
place. Both key the pull request by a digest of the image set
(:func:`.message.change_key`).
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from trueup.config import LoadedConfig
from trueup.config.image_update import PR_TOKEN, ImageUpdate, PullRequest
from trueup.errors import ConfigError
from trueup.forge import (
    Forge,
    PullRequestResult,
    declined_pull_request,
    open_forge,
    repository_of,
    upsert_pull_request,
)
from trueup.forge import PullRequest as ForgePullRequest
from trueup.images import Change
from trueup.imageupdate.message import change_key, pull_request_body, pull_request_title


class Pulls:
    """The pull requests of ``update`` (which has ``push.pullRequest``); close with
    :meth:`aclose`."""

    def __init__(
        self,
        update: ImageUpdate,
        pull: PullRequest,
        config: LoadedConfig,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._update, self._pull, self._config, self._transport = update, pull, config, transport
        self._forge: Forge | None = None
        self._not_declined: set[tuple[str, str]] = set()
        """(branch, image-set key) that :meth:`declined` found not declined in this run."""

    def _open(self) -> Forge:
        if self._forge is not None:
            return self._forge
        update, pull = self._update, self._pull
        secret = self._config.secret(update.namespace, pull.secret_ref.name)
        token = secret.get(PR_TOKEN) if secret is not None else None
        if token is None:
            raise ConfigError(
                f"{update.id}: Secret '{pull.secret_ref.name}' has no key {PR_TOKEN} "
                "(put the forge API token there)"
            )
        repository = repository_of(pull.provider, pull.address, pull.api_url)
        self._forge = open_forge(repository, token.get_secret_value(), transport=self._transport)
        return self._forge

    async def declined(self, branch: str, changes: Sequence[Change]) -> ForgePullRequest | None:
        """The pull request from ``branch`` a person closed unmerged while it proposed these
        very images (None when none did, or while one from ``branch`` is open)."""
        key = change_key(changes)
        declined = await declined_pull_request(self._open(), branch, key)
        if declined is None:
            self._not_declined.add((branch, key))
        return declined

    async def upsert(
        self, branch: str, base: str, changes: Sequence[Change], commit: str
    ) -> PullRequestResult:
        """Open the pull request from ``branch`` into ``base``, or update it in place."""
        update = self._update
        title = pull_request_title(update, self._pull.title, branch, changes)
        body = pull_request_body(update, changes, commit)
        key = change_key(changes)
        checked = (branch, key) in self._not_declined  # asked before this push: not again
        return await upsert_pull_request(
            self._open(), branch, base, title, body, key=key, declined_checked=checked
        )

    async def aclose(self) -> None:
        """Close the forge client, when one was opened."""
        if self._forge is not None:
            forge, self._forge = self._forge, None
            await forge.aclose()
