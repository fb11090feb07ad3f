"""Checks across objects for Receivers: one name in the whole configuration, a usable
token, and sources that exist.

Like the checks of :mod:`trueup.config.references`, a Receiver that fails one is dropped
with an issue, so the daemon serves only Receivers that can work.
"""

from __future__ import annotations

from trueup.config.issues import Origin
from trueup.config.meta import API_GROUP
from trueup.config.receiver import TOKEN, Receiver, ReceiverType
from trueup.config.references import Declared, Key, _missing
from trueup.config.secret import Secret
from trueup.objects import ObjectId

_NAME = ("metadata", "name")
_SECRET = ("spec", "secretRef", "name")
_UNIQUE_HINT = "rename one of them: the hook URL /hooks/<name> has no namespace"


def check_receivers(declared: Declared) -> None:
    """Drop Receivers whose name is taken, whose token is missing, or whose sources are."""
    _check_names(declared)
    for key in declared.of_kind("Receiver"):
        receiver = _receiver(declared, key)
        namespace, secret_name = receiver.namespace, receiver.spec.secret_ref.name
        problem = _missing("Secret", namespace, secret_name, declared)
        if problem is None:
            secret, _doc = declared.valid[("Secret", namespace, secret_name)]
            assert isinstance(secret, Secret)
            problem = _token_problem(receiver, secret)
        if problem is not None:
            declared.issue(key, _SECRET, *problem)
            continue
        for field_name, kind, names in (
            ("sources", "GitSource", receiver.spec.sources),
            ("imageRepositories", "ImageRepository", receiver.spec.image_repositories),
        ):
            missing = _first_missing(declared, kind, receiver.namespace, names)
            if missing is not None:
                index, message, hint = missing
                declared.issue(key, ("spec", field_name, index), message, hint)
                break


def _check_names(declared: Declared) -> None:
    # The first valid Receiver declared keeps a name; a name an invalid Receiver holds in
    # another namespace is nobody's, so that fixing that one never moves the URL silently.
    invalid = {k[2]: k for k in sorted(declared.invalid) if k[0] == "Receiver"}
    first: dict[str, Key] = {}
    for key in declared.of_kind("Receiver"):
        name = key[2]
        if name in invalid:
            other = _label(invalid[name])
            declared.issue(
                key, _NAME, f"the name is also used by {other}, which is invalid", _UNIQUE_HINT
            )
        elif name in first:
            doc = declared.valid[first[name]][1]
            where = Origin(doc.file, doc.line)
            message = f"the name is already used by {_label(first[name])} declared at {where}"
            declared.issue(key, _NAME, message, f"{_UNIQUE_HINT}; this one is ignored")
        else:
            first[name] = key


def _first_missing(
    declared: Declared, kind: str, namespace: str, names: tuple[str, ...]
) -> tuple[int, str, str] | None:
    for index, name in enumerate(names):
        problem = _missing(kind, namespace, name, declared)
        if problem is not None:
            return index, *problem
    return None


def _token_problem(receiver: Receiver, secret: Secret) -> tuple[str, str] | None:
    name, keys = secret.metadata.name, secret.keys()
    if TOKEN not in keys:
        return f"Secret '{name}' has no key {TOKEN}", f"add the hook's shared secret as {TOKEN}"
    value = secret.get(TOKEN)
    token = value.get_secret_value() if value is not None else ""
    if not token:
        return f"the {TOKEN} of Secret '{name}' is empty", "write the hook's shared secret in it"
    if token != token.strip():
        return (
            f"the {TOKEN} of Secret '{name}' begins or ends with whitespace",
            "remove it (often a trailing newline): the forge uses the secret as typed",
        )
    in_header = (ReceiverType.GITLAB, ReceiverType.REGISTRY)
    if receiver.spec.type in in_header and not (token.isascii() and token.isprintable()):
        sender = "GitLab" if receiver.spec.type is ReceiverType.GITLAB else "registry"
        return (
            f"the {TOKEN} of Secret '{name}' is not printable ASCII, as a {sender} token "
            "sent in a header must be",
            "generate one with: openssl rand -hex 32",
        )
    return None


def _receiver(declared: Declared, key: Key) -> Receiver:
    receiver = declared.valid[key][0]
    assert isinstance(receiver, Receiver)
    return receiver


def _label(key: Key) -> str:
    return str(ObjectId(API_GROUP, *key))
