"""The violation categories shared by every rulebook, so that reports compare across groups.

Until groups carry rulebooks of their own, every group judges by these, each a strike of
weight one.
"""

from __future__ import annotations

from ledger.errors import UnknownCategory

# key: (Chinese label, English label)
CATEGORIES: dict[str, tuple[str, str]] = {
    "ads": ("广告", "advertising"),
    "rumor": ("谣言", "rumour"),
    "risky_link": ("风险链接", "risky link (paid news, red packets, 砍一刀, votes)"),
    "flooding": ("刷屏", "flooding"),
    "porn": ("色情", "pornography"),
    "gambling": ("赌博", "gambling"),
    "drugs": ("毒品", "drugs"),
    "virus_link": ("病毒链接", "virus link"),
    "politics": ("政治", "politics"),
    "religion": ("宗教", "religion"),
    "personal_attack": ("人身攻击", "personal attack"),
    "confidential_leak": ("泄密", "confidential leak"),
    "privacy": ("隐私", "privacy"),
    "off_topic": ("闲聊", "off topic"),
    "off_hours": ("非发言时段", "outside posting hours"),
    "late_response": ("未按时回复", "late response"),
    "defiance": ("不服从管理", "defiance"),
    "nickname": ("昵称不规范", "non-compliant nickname"),
}


def check_category(category: str) -> None:
    if category not in CATEGORIES:
        known = ", ".join(CATEGORIES)
        raise UnknownCategory(f"unknown category {category!r}: use one of {known}")
