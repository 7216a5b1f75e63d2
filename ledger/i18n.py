"""The language people read. Every user-facing text is written in English and passed
through `_` where it is shown; `N_` marks a text to translate later (help texts defined at
import time). The catalogs and the choice of language are filled in by issue #12.
"""

from __future__ import annotations


def _(message: str) -> str:
    return message


def N_(message: str) -> str:
    return message
