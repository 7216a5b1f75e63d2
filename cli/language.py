"""The language of one run of `ledger`, chosen before click parses anything, and the click
classes that show help in that language: help texts are English in the code (docstrings,
`help=N_(…)`) and are translated when they are shown, never when they are defined, since
a command is defined once per process and shown in the language of each run.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types

from ledger.domain import i18n
from ledger.domain.i18n import translate

# Click's modules do `from gettext import gettext as _` (and ngettext), so their texts
# (Usage:, Options:, Error:, "No such option" …) come from stdlib gettext's one
# process-wide domain, in the language of the environment as it is at each call. Neither
# can follow a choice made per run (`--lang`, several runs in one process under
# CliRunner) without changing state every library and every run shares (textdomain,
# os.environ). Rebinding those module-level names to ours makes click's texts come from
# the ledger catalog, in the language of the run, and click's own English when no
# language is chosen: nothing else in the process is touched. Babel extracts click's
# msgids from these same modules into our catalog (tests/i18n_catalog.py), and
# tests/cli/test_language.py fails if a click upgrade renames what is rebound here.
CLICK_MODULES = (click.core, click.decorators, click.exceptions, click.formatting,
                 click.parser, click.termui, click.types)


def speak_through_click() -> None:
    for module in CLICK_MODULES:
        module._ = i18n._  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = i18n.ngettext  # type: ignore[attr-defined]


def pull_language(args: Sequence[str]) -> tuple[str | None, list[str]]:
    """The value of every `--lang` among `args` (the last one counts), wherever it stands,
    and the arguments without it; what follows `--` is left alone.
    """
    chosen: str | None = None
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        if arg == "--lang" and i + 1 < len(args):
            chosen = args[i + 1]
            i += 2
            continue
        if arg.startswith("--lang="):
            chosen = arg.removeprefix("--lang=")
            i += 1
            continue
        rest.append(arg)
        i += 1
    return chosen, rest


def choose_language(args: Sequence[str], environ: Mapping[str, str]) -> tuple[str, list[str]]:
    """The language of this run and the arguments for click: `--lang` anywhere is moved
    in front of the subcommand, where the root group's own option checks its value.
    """
    chosen, rest = pull_language(args)
    if chosen is None:
        return i18n.language_from_environment(environ), rest
    language = chosen if chosen in i18n.LANGUAGES else i18n.language_from_environment(environ)
    return language, ["--lang", chosen, *rest]


def _short_help(help: str, limit: int) -> str:
    """The first sentence of `help`, cut to `limit` columns. click's own shortening splits
    on spaces and so cuts a Chinese sentence, which has none, to "...".
    """
    from cli.output import display_width

    text = " ".join(inspect.cleandoc(help).partition("\n\n")[0].replace("\b", "").split())
    first = text.partition("。")
    text = first[0] + first[1]
    if display_width(text) <= limit:
        return text
    cut = ""
    for ch in text:
        if display_width(cut + ch) > limit - 3:
            break
        cut += ch
    return cut.rstrip() + "..."


# Full-width punctuation that closes a phrase: it stays on the line of the text before it.
_CLOSING = set("，。；：、）」』！？》】,.;:!?)")


def _tokens(text: str) -> list[str]:
    """Words of `text` for wrapping: a run of narrow characters is a word; each wide (CJK)
    character is a word of its own, with the closing punctuation that follows it; " " is a
    space between words.
    """
    import unicodedata

    tokens: list[str] = []
    for ch in text:
        last = tokens[-1] if tokens else ""
        if ch == " ":
            if last.isspace():
                tokens[-1] += ch
            else:
                tokens.append(ch)
        elif unicodedata.east_asian_width(ch) in ("W", "F"):
            if ch in _CLOSING and last and not last.isspace():
                tokens[-1] += ch
            else:
                tokens.append(ch)
        elif last and not last.isspace() and unicodedata.east_asian_width(last[-1]) not in (
                "W", "F"):
            tokens[-1] += ch
        else:
            tokens.append(ch)
    return tokens


def wrap_wide(text: str, width: int, initial_indent: str = "",
              subsequent_indent: str = "") -> str:
    """click's `wrap_text` (paragraphs kept, `\b` paragraphs as written), measuring by
    the columns a terminal gives each character: a Chinese character takes two, and a
    line may break between any two of them, which click's wrapping (by characters, at
    spaces) does not know.
    """
    from cli.output import display_width

    out: list[str] = []
    for paragraph in text.split("\n\n"):
        lines = paragraph.splitlines()
        if lines and lines[0].strip() == "\b":
            out.append("\n".join(subsequent_indent + line for line in lines[1:]))
            continue
        wrapped: list[str] = []
        line, used, space = initial_indent if not out else subsequent_indent, 0, ""
        for token in _tokens(" ".join(part.strip() for part in lines)):
            if token.isspace():
                space = token if used else ""
                continue
            if used and display_width(line) + len(space) + display_width(token) > width:
                wrapped.append(line)
                line, used, space = subsequent_indent + token, 1, ""
                continue
            line += space + token
            used, space = used + 1, ""
        wrapped.append(line)
        out.append("\n".join(wrapped))
    return "\n\n".join(out)


class WideHelpFormatter(click.HelpFormatter):
    """click's formatter, wrapping text by display width (see wrap_wide)."""

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write(wrap_wide(text, self.width, indent, indent))
        self.write("\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        from cli.output import display_width

        rows = list(rows)
        first_col = min(max(display_width(first) for first, _second in rows), col_max) \
            + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if display_width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - display_width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap_wide(second, max(self.width - first_col - 2, 10)).splitlines()
            self.write(f"{lines[0]}\n" if lines else "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


class TranslatedContext(click.Context):
    """A context whose help is laid out by display width when the run is not in English
    (English keeps click's own layout, character for character).
    """

    def make_formatter(self) -> click.HelpFormatter:
        if i18n.language() == i18n.DEFAULT:
            return super().make_formatter()
        return WideHelpFormatter(width=self.terminal_width, max_width=self.max_content_width)


class TranslatedCommand(click.Command):
    """A command whose help, short help and option help are shown in the run's language."""

    context_class = TranslatedContext

    def get_short_help_str(self, limit: int = 45) -> str:
        if i18n.language() == i18n.DEFAULT:
            return super().get_short_help_str(limit)
        if self.short_help:
            return translate(inspect.cleandoc(self.short_help))
        return _short_help(translate(inspect.cleandoc(self.help)), limit) if self.help else ""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        shown = _shallow(self)
        if self.help is not None:
            shown.help = translate(inspect.cleandoc(self.help))
        click.Command.format_help_text(shown, ctx, formatter)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            # click makes this option once per command, with its help already translated
            # in the language of the run that first asked; several runs share a command in
            # one process (CliRunner), so keep click's msgid and translate it when shown.
            option.help = "Show this message and exit."
        return option

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        shown = _shallow(self)
        shown.get_params = lambda ctx: [translated_param(p) for p in self.get_params(ctx)]
        click.Command.format_options(shown, ctx, formatter)


def translated_param(param: click.Parameter) -> click.Parameter:
    help = getattr(param, "help", None)
    if not help:
        return param
    shown = _shallow(param)
    shown.help = translate(help)  # type: ignore[attr-defined]
    return shown


class TranslatedGroup(TranslatedCommand, click.Group):
    """A command group like TranslatedCommand, whose subcommands are TranslatedCommands
    and whose subgroups are TranslatedGroups.
    """

    command_class = TranslatedCommand

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        TranslatedCommand.format_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)


TranslatedGroup.group_class = TranslatedGroup


def _shallow(thing: Any) -> Any:
    """A shallow copy, to show with a translated help (the `copy` module is not otherwise
    loaded by `ledger --help`, and need not be).
    """
    copied = object.__new__(type(thing))
    copied.__dict__.update(thing.__dict__)
    return copied


def main_in_language(group: click.Group, args: Sequence[str] | None, *posargs: Any,
                     **extra: Any) -> Any:
    """`group.main`, in the language chosen from `args` and the environment, for this
    run only.
    """
    import os

    language, args = choose_language(sys.argv[1:] if args is None else args, os.environ)
    with i18n.speaking(language):
        return click.Group.main(group, args, *posargs, **extra)
