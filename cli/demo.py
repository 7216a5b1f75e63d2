"""`ledger demo`: a short story from the estate rulebook (R2), written to a new file."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.language import TranslatedCommand
from cli.output import emit, format_option
from ledger.domain.errors import LedgerError
from ledger.domain.i18n import N_, _

if TYPE_CHECKING:
    from ledger.application import Ledger

CST = timezone(timedelta(hours=8))
DEFAULT_OUT = "ledger-demo.db"


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=CST)


def tell_story(ledger: Ledger) -> None:
    """加侨业委会9栋业主群, October 2026, under R2's rules (builtin:estate)."""
    ledger.register_group(actor="wx_chen", group="g9", name="加侨业委会9栋业主群",
                          owner="wx_chen", rulebook="builtin:estate", at=_at(8, 9))
    ledger.grant_role(actor="wx_chen", group="g9", member="wx_admin", role="admin",
                      at=_at(8, 9, 5))
    admin = {"actor": "wx_admin", "group": "g9"}
    # Verified owners and their family join by an owner's invitation plus the admin's review.
    ledger.admit(**admin, member="wx_wang", nickname="g9#1003@王x", invited_by="wx_admin",
                 verified_by="wx_admin", relation="owner", at=_at(8, 10))
    ledger.admit(**admin, member="wx_li", nickname="李x明", invited_by="wx_wang",
                 verified_by="wx_admin", relation="owner", at=_at(8, 11))
    ledger.admit(**admin, member="wx_zhang", nickname="g9#1502@张x", invited_by="wx_wang",
                 verified_by="wx_admin", relation="owner", at=_at(8, 11, 30))
    ledger.admit(**admin, member="wx_zhou", nickname="g9#0801@周x", invited_by="wx_wang",
                 verified_by="wx_admin", relation="family", at=_at(8, 12))
    ledger.admit(**admin, member="wx_sun", nickname="g9#2204@孙x", invited_by="wx_admin",
                 verified_by="wx_admin", relation="owner", at=_at(8, 12, 30))
    ledger.admit(**admin, member="wx_zhao", nickname="老赵", invited_by="wx_sun",
                 verified_by="wx_admin", relation="family", at=_at(8, 13))
    # 楼号#房号@昵称: 李x明 fixes the nickname after a reminder; 老赵 ignores two so far.
    ledger.remind(**admin, member="wx_li", at=_at(8, 20))
    ledger.rename(actor="wx_li", group="g9", member="wx_li", nickname="g9#1001@李x明",
                  at=_at(9, 8))
    ledger.remind(**admin, member="wx_zhao", at=_at(8, 20))
    ledger.remind(**admin, member="wx_zhao", at=_at(11, 20))
    # Flags confirmed into warnings: 1st and 2nd violation, a warning each.
    flag = ledger.raise_flag(actor="wx_wang", group="g9", member="wx_zhang",
                             category="risky_link", message="m-778", excerpt="砍一刀 http://…",
                             at=_at(10, 20, 15))
    ledger.confirm_flag(**admin, member="wx_zhang", flag_id=flag, note="拼多多砍价链接",
                        at=_at(10, 21))
    ledger.warn(**admin, member="wx_zhang", category="flooding", reason="刷屏 40 条",
                at=_at(12, 22))
    rumor = ledger.raise_flag(actor="wx_zhang", group="g9", member="wx_wang", category="rumor",
                              message="m-802", excerpt="下周停水三天", at=_at(13, 9))
    ledger.dismiss_flag(**admin, member="wx_wang", flag_id=rumor,
                        reason="物业已发通知，消息属实", at=_at(13, 10))
    # The third violation: 三次违反规定移出群聊 — the admins may now remove.
    third = ledger.raise_flag(actor="wx_li", group="g9", member="wx_zhang",
                              category="health_pitch",
                              message="m-845", excerpt="保健品团购，私聊优惠", at=_at(15, 19))
    ledger.confirm_flag(**admin, member="wx_zhang", flag_id=third, at=_at(15, 20))
    # A heated quarrel that will not stop: temporary removal, re-invitation after mediation.
    ledger.remove(**admin, member="wx_zhou", temporary=True, reason="与邻居争吵，劝阻无效",
                  at=_at(17, 23))
    ledger.readmit(**admin, member="wx_zhou", note="业委会调解后重新邀请", at=_at(19, 18))
    ledger.leave(actor="wx_sun", group="g9", member="wx_sun", note="房屋已出售", at=_at(20, 9))


@click.command("demo", cls=TranslatedCommand)
@click.option("--out", type=click.Path(dir_okay=False),
              help=N_("the new file to write (default ledger-demo.db, or the next free name)"))
@format_option
def demo(out: str | None, fmt: str) -> None:
    """Write a demo ledger to a new file and print its standings.

    The story comes from the estate rulebook (R2, builtin:estate): verified admissions,
    a non-compliant nickname fixed after a reminder and another still ignored, flags
    confirmed into warnings, a third strike, a dismissed flag, and a quarrel with a
    temporary removal and re-admission. It never writes to an existing file, and
    ignores --store.

    \b
    Example:
      ledger demo
      ledger demo --out /tmp/story.db --format json
    """
    path = Path(out) if out else _free_path(Path(DEFAULT_OUT))
    if path.exists():
        raise click.ClickException(_("{path} exists: the demo writes only a new file; remove it "
                                     "or choose another --out").format(path=path))
    if not path.parent.exists():
        raise click.ClickException(_("directory {parent} does not exist: create it or choose "
                                     "another --out").format(parent=path.parent))
    from ledger.application import Ledger
    from ledger.store.url import parse_store
    from projections import standings as standings_view

    store = parse_store(str(path))
    ledger = Ledger(store)
    try:
        tell_story(ledger)
        rows = standings_view.query(ledger, group="g9")
    except LedgerError as error:
        ledger.close()
        store.discard()
        raise click.ClickException(_("the demo failed and left no file: {error}").format(
                                     error=error)) from None
    ledger.close()
    click.echo(_("Wrote the demo ledger to {path}. Its standings:").format(path=path), err=True)
    emit(rows, standings_view.FIELDS, fmt)
    click.echo(_("Try: ledger --store {path} history g9 wx_zhang").format(path=path), err=True)


def _free_path(path: Path) -> Path:
    n = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate
