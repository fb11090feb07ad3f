"""Help screens that read like a manual: ``sync APP``, ``--wait``, ``--timeout DURATION``.

typer prints a type placeholder beside every option (``<bool>`` even for flags, which take
no value) and writes a required argument as ``{app}`` in the usage line. The command
classes here print flags bare and arguments by their metavar (``APP``); options that take
a value name it with their own ``metavar``.

Help and usage errors are plain text, as click writes them, not typer's rich panels: the
panels load rich (a tenth of a second or more) for every ``--help`` and every mistyped
option, and plain text reads the same in a terminal, a pipe and a log.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption


class _NamedArgument(TyperArgument):
    """An argument shown by its metavar alone: ``APP``, not ``{app}`` and ``<str>``."""

    @property
    def display_name_raw(self) -> str:
        """The metavar, else the name in capitals: ``APP``."""
        return self.metavar or (self.name or "").upper()

    def display_type_rich(self, ctx: Any) -> str | None:
        """No type column: the metavar and the help say what to write."""
        return None

    def get_usage_pieces(self, ctx: Any) -> list[str]:
        """``APP`` when required, ``[APP]`` when not."""
        name = self.display_name_raw
        return [name if self.required else f"[{name}]"]


def _plain(params: Iterable[object]) -> None:
    for param in params:
        if isinstance(param, TyperOption) and param.is_flag:
            param.metavar = ""  # typer prints the metavar in place of the type
        elif type(param) is TyperArgument:
            # typer builds its own parameter objects; this changes only how they are shown.
            param.__class__ = _NamedArgument


class Command(TyperCommand):
    """A command whose help shows flags without a type and arguments by name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain(self.params)

    def get_help_option(self, ctx: Any) -> Any:
        """``--help`` without a ``<bool>``."""
        option = super().get_help_option(ctx)
        if option is not None:
            _plain([option])
        return option


class Group(TyperGroup):
    """A command group whose help shows flags without a type."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain(self.params)

    def get_help_option(self, ctx: Any) -> Any:
        """``--help`` without a ``<bool>``."""
        option = super().get_help_option(ctx)
        if option is not None:
            _plain([option])
        return option


def use_plain_help(app: typer.Typer) -> None:
    """Give every command and group of ``app`` (and of its sub-apps) the classes above.

    Also switches off typer's rich markup, so that help and usage errors are printed
    without loading rich.
    """
    app.rich_markup_mode = None
    if not app.info.cls or app.info.cls is TyperGroup:
        app.info.cls = Group
    for command in app.registered_commands:
        if not command.cls or command.cls is TyperCommand:
            command.cls = Command
    for group in app.registered_groups:
        if group.typer_instance is not None:
            use_plain_help(group.typer_instance)
