"""A preview posted as trueup's one comment on the pull request of the ref's branch.

The comment is found again by its marker (``trueup.forge.upsert_comment``, key
``preview:<GitSource>``), so every later run for the branch replaces its body instead of
adding a comment, and previews of two GitSources on one pull request keep a comment each.

Which repository: ``repo`` (``owner/name``, GitLab ``group/project``) on the API root
``api_url``, or, when ``repo`` is not given, the repository the GitSource's https URL names
(``https://host/owner/name.git``), its API root following the forge's convention unless
``api_url`` is given. The token comes from the caller (see ``cli.preview``).
"""

from __future__ import annotations

from trueup.errors import ConfigError
from trueup.forge import (
    AddressError,
    CommentResult,
    ForgeKind,
    Repository,
    open_forge,
    repository_of,
    upsert_comment,
)
from trueup.source.redact import redact_url


def forge_repository(
    kind: ForgeKind, source_url: str, *, repo: str | None = None, api_url: str | None = None
) -> Repository:
    """The repository to comment in (see the module's docstring); ``ConfigError`` saying
    what to give when it cannot be told."""
    try:
        if repo is not None:
            if api_url is None:
                raise ConfigError(
                    "--repo needs --forge-url, the forge's API root (such as "
                    "https://api.github.com)"
                )
            root = api_url.rstrip("/")
            return repository_of(kind, f"{_web_root(root)}/{repo.strip('/')}", root)
        if not source_url.startswith(("https://", "http://")):
            raise ConfigError(
                f"the GitSource's URL ({redact_url(source_url)}) is not an https URL a forge "
                "serves: give --repo owner/name and --forge-url"
            )
        return repository_of(kind, _without_user(source_url), api_url)
    except AddressError as e:
        raise ConfigError(f"cannot tell the {kind.value} repository to comment in: {e}") from None


async def post_comment(
    repository: Repository, token: str, branch: str, source: str, body: str
) -> CommentResult:
    """``body`` as trueup's preview comment for ``source`` on the open pull request from
    ``branch``: created the first time, updated in place after."""
    forge = open_forge(repository, token)
    try:
        return await upsert_comment(forge, branch, f"preview:{source}", body)
    finally:
        await forge.aclose()


def _web_root(api_root: str) -> str:
    """A scheme and host to name the repository under (only its path is kept)."""
    scheme, _, rest = api_root.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def _without_user(url: str) -> str:
    """``url`` without ``user[:password]@`` (a forge's web address carries none)."""
    scheme, _, rest = url.partition("://")
    host_and_path = rest.rsplit("@", 1)[-1] if "@" in rest.split("/", 1)[0] else rest
    return f"{scheme}://{host_and_path}"
