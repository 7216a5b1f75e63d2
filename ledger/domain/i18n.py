"""The language people read, and the one place user-facing texts pass through.

Every text is written in English in the code and passed through `_` where it is shown,
with named `str.format` fields filled in after translation:

    _("no member {member} in {group}").format(member=m, group=g)

`N_` marks a text defined at import time (a click help, a registry entry) so that the
catalog tool extracts it; it is translated where it is shown, with `translate`. Table
column titles come from `column_title`, under the msgctxt "column", so that a title never
shares a translation with a word used elsewhere.

The language of one run is chosen by `cli.main` (`--lang`, then `LEDGER_LANG`, then the
POSIX locale variables) and held in a context variable for that run only: nothing is
read from the environment here, so a library caller, or a test calling a function
directly, always reads English unless it chooses otherwise with `speaking`.

The catalogs are stdlib gettext `.mo` files shipped in `ledger/locale/`; the `.po` they
are compiled from, and the template, are kept by `python -m tests.i18n_catalog --update`.
English needs no catalog: the `.mo` is read only the first time another language is used.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

DOMAIN = "ledger"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"  # ledger/locale, shipped as package data
LANGUAGES = ("en", "zh")
DEFAULT = "en"

# The POSIX variables gettext consults, in its order of precedence.
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_language: ContextVar[str] = ContextVar("ledger_language", default=DEFAULT)
_catalogs: dict[str, _gettext.NullTranslations] = {}


def _catalog() -> _gettext.NullTranslations | None:
    language = _language.get()
    if language == DEFAULT:
        return None
    catalog = _catalogs.get(language)
    if catalog is None:
        catalog = _gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])
        _catalogs[language] = catalog
    return catalog


def _(message: str) -> str:
    """`message` in the language of this run."""
    catalog = _catalog()
    return message if catalog is None else catalog.gettext(message)


def N_(message: str) -> str:
    """Marks `message` for the catalog; it is translated where it is shown (`translate`)."""
    return message


def translate(message: str) -> str:
    """A text marked with `N_` elsewhere, in the language of this run."""
    catalog = _catalog()
    return message if catalog is None else catalog.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    catalog = _catalog()
    if catalog is None:
        return singular if n == 1 else plural
    return catalog.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    catalog = _catalog()
    return message if catalog is None else catalog.pgettext(context, message)


def column_title(column: str) -> str:
    """The title a table shows for the key `column` (JSON and CSV keep the key)."""
    return pgettext("column", column)


def language() -> str:
    """The language of this run: `en` or `zh`."""
    return _language.get()


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Texts are in `language` inside the block, and in the language before it after."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: use one of {', '.join(LANGUAGES)}")
    token = _language.set(language)
    try:
        yield
    finally:
        _language.reset(token)


def language_of(tag: str | None) -> str | None:
    """The supported language a locale name or language tag names, if any:
    `zh_CN.UTF-8`, `zh-Hans`, `zh_TW` and `zh` are `zh`; `en_US.UTF-8`, `C` and `POSIX`
    are `en`; anything else is None. A colon-separated list (as in LANGUAGE) gives its
    first supported entry.
    """
    for entry in (tag or "").split(":"):
        base = entry.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].strip().lower()
        if base in ("c", "posix"):
            return DEFAULT
        if base in LANGUAGES:
            return base
    return None


def language_from_environment(environ: Mapping[str, str]) -> str:
    """`LEDGER_LANG` if it is `en` or `zh` (cli.main refuses any other value), else the
    first POSIX locale variable that is set (as gettext reads them), else English.
    """
    if environ.get("LEDGER_LANG") in LANGUAGES:
        return environ["LEDGER_LANG"]
    for variable in LOCALE_VARIABLES:
        value = environ.get(variable)
        if value:
            return language_of(value) or DEFAULT
    return DEFAULT
