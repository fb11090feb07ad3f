"""Checks across objects: duplicate names, references to sources and secrets, dependency cycles.

An object whose reference cannot be satisfied is dropped with an issue, and so, in turn,
is anything that refers to a dropped or invalid object: the result holds only objects
that can actually run. References resolve within the referring object's namespace.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from trueup.config.app import App
from trueup.config.decryption import decryption_problem
from trueup.config.gitsource import GitSource, url_scheme
from trueup.config.image_policy import ImagePolicy
from trueup.config.image_update import PR_TOKEN, ImageUpdate
from trueup.config.issues import ConfigIssue, field_path
from trueup.config.meta import ConfigObject
from trueup.config.secret import (
    ALLOWED_SIGNERS,
    BASIC_AUTH,
    BEARER_TOKEN,
    GPG_KEY_SUFFIX,
    GPG_SIGNING_KEY,
    IDENTITY,
    KNOWN_HOSTS,
    OPAQUE,
    PASSWORD,
    READ_FOR,
    USERNAME,
    Secret,
)
from trueup.config.yamldocs import Document, line_of

Key = tuple[str, str, str]
"""``(kind, namespace, name)``: what must be unique in a configuration."""


@dataclass
class Declared:
    """Every object seen, valid or not, with where it came from."""

    valid: dict[Key, tuple[ConfigObject, Document]] = field(default_factory=dict)
    invalid: set[Key] = field(default_factory=set)
    issues: list[ConfigIssue] = field(default_factory=list)

    def issue(self, key: Key, path: Sequence[str | int], message: str, hint: str) -> None:
        """Record a problem at ``path`` of the valid object ``key`` and drop it."""
        obj, doc = self.valid.pop(key)
        self.invalid.add(key)
        line = line_of(doc, path)
        where = field_path(path)
        self.issues.append(ConfigIssue(doc.file, line, str(obj.id), where, message, hint))

    def of_kind(self, kind: str) -> list[Key]:
        """Keys of the valid objects of ``kind``, in declaration order."""
        return [k for k in self.valid if k[0] == kind]


def _missing(
    kind: str,
    namespace: str,
    name: str,
    declared: Declared,
    *,
    secret_types: tuple[str, ...] = (OPAQUE,),
) -> tuple[str, str] | None:
    """Why the reference to ``kind`` ``name`` cannot be satisfied, or ``None``.

    A Secret must also be of one of ``secret_types``: only ``Opaque`` unless the reference
    reads another type (registry credentials read ``kubernetes.io/dockerconfigjson`` too,
    https Git credentials ``kubernetes.io/basic-auth``). This is the one place where the
    type of a Secret is held against its use.
    """
    key = (kind, namespace, name)
    where = f" in namespace {namespace}" if namespace else ""
    if key in declared.valid:
        found = declared.valid[key][0]
        if isinstance(found, Secret) and found.type not in secret_types:
            return (
                f"Secret '{name}' is of type {found.type}, which is read only for "
                f"{READ_FOR.get(found.type, 'nothing')}, not here",
                f"name a Secret of type {' or '.join(secret_types)} here",
            )
        return None
    if key in declared.invalid:
        return f"{kind} '{name}' is invalid", f"fix the errors of {kind} '{name}' reported here"
    return f"no {kind} named '{name}'{where}", "declare it, or fix the name"


def check_secrets_of_sources(declared: Declared) -> None:
    """Drop GitSources whose Secrets are missing, invalid, or lack the keys their use needs."""
    for key in declared.of_kind("GitSource"):
        source = declared.valid[key][0]
        assert isinstance(source, GitSource)
        ns, spec = source.namespace, source.spec
        verify_ref = spec.verify.secret_ref if spec.verify else None
        write_ref = spec.write.secret_ref if spec.write else None
        signing = spec.write.signing_key if spec.write else None
        refs = [
            (_AUTH, spec.secret_ref),
            (_VERIFY, verify_ref),
            (_WRITE, write_ref),
            (_SIGNING, signing.secret_ref if signing else None),
        ]
        for path, ref in refs:
            if ref is None:
                continue
            types = _secret_types(source, path)
            problem = _missing("Secret", ns, ref.name, declared, secret_types=types)
            if problem is None:
                secret = declared.valid[("Secret", ns, ref.name)][0]
                assert isinstance(secret, Secret)
                problem = _lacking_keys(source, secret, path)
            if problem is not None:
                declared.issue(key, (*path, "name"), *problem)
                break


_AUTH = ("spec", "secretRef")
_VERIFY = ("spec", "verify", "secretRef")
_WRITE = ("spec", "write", "secretRef")
_SIGNING = ("spec", "write", "signingKey", "secretRef")


def _secret_types(source: GitSource, path: tuple[str, ...]) -> tuple[str, ...]:
    """The Secret types the reference at ``path`` reads: a user name and password may come
    from a ``kubernetes.io/basic-auth`` Secret for https credentials, read or write."""
    if path in (_AUTH, _WRITE) and url_scheme(source.spec.url) == "https":
        return (OPAQUE, BASIC_AUTH)
    return (OPAQUE,)


def _lacking_keys(
    source: GitSource, secret: Secret, path: tuple[str, ...]
) -> tuple[str, str] | None:
    keys = secret.keys()
    name = secret.metadata.name
    if path == _VERIFY:
        assert source.spec.verify is not None
        if source.spec.verify.mode == "gpg" and not any(k.endswith(GPG_KEY_SUFFIX) for k in keys):
            return (
                f"Secret '{name}' holds no GPG key",
                f"add the public keys as <name>{GPG_KEY_SUFFIX}",
            )
        if source.spec.verify.mode == "ssh" and ALLOWED_SIGNERS not in keys:
            return f"Secret '{name}' has no key {ALLOWED_SIGNERS}", "add the allowed signers file"
        return None
    if path == _SIGNING:
        assert source.spec.write is not None
        assert source.spec.write.signing_key is not None
        needed = GPG_SIGNING_KEY if source.spec.write.signing_key.mode == "gpg" else IDENTITY
        if needed not in keys:
            gpg = needed == GPG_SIGNING_KEY
            what = "the armored GPG secret key" if gpg else "the OpenSSH private key"
            return f"Secret '{name}' has no key {needed}", f"add {what} as {needed}"
        return None
    # Read and write credentials follow the same rules.
    if url_scheme(source.spec.url) == "ssh":
        absent = [k for k in (IDENTITY, KNOWN_HOSTS) if k not in keys]
        if absent:
            hint = (
                "add the private key as identity, and the host keys from ssh-keyscan as known_hosts"
            )
            return f"Secret '{name}' lacks {' and '.join(absent)} for SSH", hint
        return None
    if (USERNAME in keys) != (PASSWORD in keys):
        return f"Secret '{name}' must hold both username and password", "add the missing key"
    if USERNAME not in keys and BEARER_TOKEN not in keys:
        hint = f"add {USERNAME} and {PASSWORD}, or {BEARER_TOKEN}"
        return f"Secret '{name}' holds no HTTPS credentials", hint
    return None


def check_apps(declared: Declared) -> None:
    """Drop Apps with a missing source or dependency, in a dependency cycle, or depending on one."""
    for key in declared.of_kind("App"):
        app = _app(declared, key)
        problem = _missing("GitSource", app.namespace, app.spec.source, declared)
        if problem is not None:
            declared.issue(key, ("spec", "source"), *problem)
            continue
        if (problem := _decryption_problem(app, declared)) is not None:
            declared.issue(key, ("spec", "decryption", "secretRef", "name"), *problem)
            continue
        for index, name in enumerate(app.spec.depends_on):
            needed = ("App", app.namespace, name)
            if needed not in declared.valid and needed not in declared.invalid:
                problem = _missing("App", app.namespace, name, declared)
                assert problem is not None
                declared.issue(key, ("spec", "dependsOn", index), *problem)
                break
    for cycle in _cycles(declared):
        names = " -> ".join(k[2] for k in _cycle_path(declared, cycle))
        hint = "remove one of these dependsOn entries"
        for key in cycle:
            declared.issue(key, ("spec", "dependsOn"), f"dependency cycle: {names}", hint)
    # Anything depending on a dropped app is dropped too, until nothing changes.
    changed = True
    while changed:
        changed = False
        for key in declared.of_kind("App"):
            app = _app(declared, key)
            for index, name in enumerate(app.spec.depends_on):
                problem = _missing("App", app.namespace, name, declared)
                if problem is not None:
                    declared.issue(key, ("spec", "dependsOn", index), *problem)
                    changed = True
                    break


def _decryption_problem(app: App, declared: Declared) -> tuple[str, str] | None:
    """Why the Secret of ``spec.decryption`` cannot decrypt (missing, invalid, no age key)."""
    if app.spec.decryption is None:
        return None
    name = app.spec.decryption.secret_ref.name
    problem = _missing("Secret", app.namespace, name, declared)
    if problem is not None:
        return problem
    secret = declared.valid[("Secret", app.namespace, name)][0]
    assert isinstance(secret, Secret)
    return decryption_problem(secret)


def _app(declared: Declared, key: Key) -> App:
    app = declared.valid[key][0]
    assert isinstance(app, App)
    return app


def _cycle_path(declared: Declared, group: list[Key]) -> list[Key]:
    """A dependency path from the group's first app back to it, through the group only."""
    start = group[0]
    members = set(group)
    came_from: dict[Key, Key] = {}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for name in _app(declared, node).spec.depends_on:
            child = ("App", node[1], name)
            if child == start:
                path = [start]
                while node != start:
                    path.append(node)
                    node = came_from[node]
                return [start, *reversed(path[1:]), start]
            if child in members and child not in came_from:
                came_from[child] = node
                queue.append(child)
    return [start, start]


def _cycles(declared: Declared) -> list[list[Key]]:
    """Each strongly connected group of apps that depend on each other (Tarjan, iterative)."""
    edges = {
        key: [d for d in (("App", key[1], n) for n in _app(declared, key).spec.depends_on)]
        for key in declared.of_kind("App")
    }
    index: dict[Key, int] = {}
    low: dict[Key, int] = {}
    on_stack: set[Key] = set()
    stack: list[Key] = []
    found: list[list[Key]] = []
    for root in edges:
        if root in index:
            continue
        work: list[tuple[Key, Iterable[Key]]] = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next((c for c in children if c in edges), None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group: list[Key] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in edges[node]:
                    found.append(sorted(group, key=lambda k: k[2]))
    return found


def check_image_policies(declared: Declared) -> None:
    """Drop ImagePolicies whose ImageRepository is missing or invalid, or whose marker name
    (``<namespace>:<name>``) another policy already has: ``default`` is also where a policy
    without a namespace lives, so ``metadata.namespace: default`` can clash with none.

    Run after the ImageRepositories' own checks, so that a dropped repository drops its
    policies too.
    """
    first: dict[str, Document] = {}
    for key in declared.of_kind("ImagePolicy"):
        policy, doc = declared.valid[key]
        assert isinstance(policy, ImagePolicy)
        marker = str(policy.marker_name)
        if marker in first:
            other = first[marker]
            declared.issue(
                key,
                ("metadata", "name"),
                f"markers name this policy '{marker}', as they do the ImagePolicy declared "
                f"at {other.file}:{other.line}",
                "rename one of them, or give both the same metadata.namespace",
            )
            continue
        first[marker] = doc
        repository = policy.spec.image_repository
        problem = _missing("ImageRepository", policy.namespace, repository, declared)
        if problem is not None:
            declared.issue(key, ("spec", "imageRepository"), *problem)


def check_image_updates(declared: Declared) -> None:
    """Drop ImageUpdates whose GitSource is missing, may not be written to (no
    ``spec.write``) or follows no branch, whose push branch or pull request cannot work,
    or whose pull request's Secret lacks the ``token``."""
    for key in declared.of_kind("ImageUpdate"):
        update = declared.valid[key][0]
        assert isinstance(update, ImageUpdate)
        spec, ns = update.spec, update.namespace
        problem = _missing("GitSource", ns, spec.source, declared)
        if problem is not None:
            declared.issue(key, ("spec", "source"), *problem)
            continue
        source = declared.valid[("GitSource", ns, spec.source)][0]
        assert isinstance(source, GitSource)
        followed = source.spec.ref.branch
        if source.spec.write is None or followed is None:
            why = "has no spec.write" if followed else "follows no branch (a tag, range or commit)"
            declared.issue(
                key,
                ("spec", "source"),
                f"GitSource '{spec.source}' {why}, so images cannot be written to it",
                "add spec.write to the GitSource and have it follow a branch (spec.ref.branch)",
            )
            continue
        pull = spec.push.pull_request
        base = (pull.base if pull is not None else None) or followed
        if pull is not None and spec.push.branch in (followed, base):
            declared.issue(
                key,
                ("spec", "push", "branch"),
                f"a pull request from branch '{spec.push.branch}' into '{base}' merges a "
                "branch into itself",
                "name an update branch of its own, such as trueup/images",
            )
            continue
        if pull is not None:
            ref = pull.secret_ref.name
            path = ("spec", "push", "pullRequest", "secretRef", "name")
            problem = _missing("Secret", ns, ref, declared)
            if problem is None:
                secret = declared.valid[("Secret", ns, ref)][0]
                assert isinstance(secret, Secret)
                if secret.get(PR_TOKEN) is None:
                    problem = (f"Secret '{ref}' has no key {PR_TOKEN}", "add the forge API token")
            if problem is not None:
                declared.issue(key, path, *problem)
