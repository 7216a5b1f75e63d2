"""The fixed words people type for roles, relations and outcomes, each with the Chinese
name the rulebooks use for it, so that `--role 管理员` is `--role admin`. What is stored
is always the key; a Chinese name is compared after NFC, as ids are.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

# R1 3.5 领导人, R2 第二条(一) 群主 / 群管理员, R3 第十二条 监督 (the office that reviews),
# R4 二.4 群主 / 群秘书.
ROLES: Mapping[str, str] = {"owner": "群主", "admin": "管理员", "secretary": "秘书",
                            "reviewer": "审核员", "leader": "领导"}
# R2 第二条(二): 业主, their family (家属) who live there, and tenants (租户), excluded.
RELATIONS: Mapping[str, str] = {"owner": "业主", "family": "家属", "tenant": "租户"}
APPEAL_OUTCOMES: Mapping[str, str] = {"upheld": "维持", "reduced": "减轻", "overturned": "撤销"}
DISPUTE_OUTCOMES: Mapping[str, str] = {"mediated": "调解", "withdrawn": "撤回",
                                       "escalated": "上报"}


def key_of(words: Mapping[str, str], typed: str) -> str | None:
    """The key `typed` names, as its key or its Chinese name; None if it names none."""
    text = unicodedata.normalize("NFC", typed.strip())
    if text in words:
        return text
    for key, name in words.items():
        if unicodedata.normalize("NFC", name) == text:
            return key
    return None


def listed(words: Mapping[str, str], keys: Iterable[str] | None = None, *,
           sep: str = ", ") -> str:
    """`owner 业主, family 家属`: the keys (all, or those given) with their Chinese names."""
    return sep.join(f"{key} {words[key]}" if key in words else key
                    for key in (words if keys is None else keys))
