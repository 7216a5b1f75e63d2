"""What the CLI tests share: a runner that sees no LEDGER_* variables, a way to count the
stored events, and the walk-through every store must tell the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import click
from click.testing import CliRunner, Result

from cli.main import cli
from ledger.application import Ledger
from ledger.store.url import parse_store

HEX_ID = re.compile(r"[0-9a-f]{32}")

# A fixed week in November 2026, China Standard Time: every output below is exact.
T = {
    "create": "2026-11-20T09:00+08:00",
    "grant": "2026-11-20T09:05+08:00",
    "admit_wang": "2026-11-20T10:00+08:00",
    "admit_li": "2026-11-20T11:00+08:00",
    "rename": "2026-11-21T08:00+08:00",
    "flag": "2026-11-21T20:15+08:00",
    "confirm": "2026-11-21T21:00+08:00",
    "warn": "2026-11-22T22:00+08:00",
    "remove": "2026-11-23T23:00+08:00",
    "readmit": "2026-11-24T18:00+08:00",
}
GROUP_NAME = "加侨业委会9栋业主群"


def runner() -> CliRunner:
    """A runner that ignores the caller's LEDGER_STORE and LEDGER_ACTOR."""
    return CliRunner(env={"LEDGER_STORE": None, "LEDGER_ACTOR": None})


def run(store: str, *args: str, actor: str | None = None, input: str | None = None) -> Result:
    """`ledger --store STORE [--actor ACTOR] ARGS…`, in this process."""
    head = ["--store", store] + (["--actor", actor] if actor is not None else [])
    return runner().invoke(cli, [*head, *args], input=input, prog_name="ledger")


def last_line(text: str) -> str:
    return text.rstrip("\n").split("\n")[-1]


def event_count(store: str) -> int:
    """How many events the store holds (its highest notification id)."""
    ledger = Ledger(parse_store(store))
    try:
        return ledger.recorder.max_notification_id() or 0
    finally:
        ledger.close()


def ok(result: Result) -> Result:
    """The command succeeded and said nothing on stderr; otherwise show what it said."""
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr,
                                   result.exception)
    assert result.stderr == "", result.stderr
    return result


@dataclass
class Walk:
    """What the walk-through printed, command by command, and the ids it captured."""

    store: str
    outputs: dict[str, str] = field(default_factory=dict)
    flag_id: str = ""
    confirm_warning_id: str = ""
    warning_id: str = ""
    removal_id: str = ""


def walk_through(store: str) -> Walk:
    """The story of a week in g9: a group, an admin, two members, a rename, a flag
    confirmed by a short id, a direct warning, a temporary removal and a re-admission.
    """
    walk = Walk(store)

    def step(name: str, actor: str, *args: str) -> str:
        out = ok(run(store, *args, "--at", T[name], actor=actor)).stdout
        walk.outputs[name] = out
        return out

    step("create", "owner1", "group", "create", "g9", "--name", GROUP_NAME, "--owner", "owner1")
    step("grant", "owner1", "group", "grant", "g9", "admin1", "--role", "admin")
    step("admit_wang", "admin1", "member", "admit", "g9", "wx_wang", "--nickname", "g9#1003@王x")
    step("admit_li", "admin1", "member", "admit", "g9", "wx_li", "--nickname", "李x明",
         "--invited-by", "wx_wang", "--verified-by", "admin1")
    step("rename", "wx_li", "member", "rename", "g9", "wx_li", "g9#1001@李x明")
    walk.flag_id = last_line(step("flag", "wx_wang", "flag", "raise", "g9", "wx_li",
                                  "--category", "risky_link", "--message", "m-778",
                                  "--excerpt", "砍一刀 http://…"))
    walk.confirm_warning_id = last_line(step("confirm", "admin1", "flag", "confirm",
                                             walk.flag_id[:8], "--note", "拼多多砍价链接"))
    walk.warning_id = last_line(step("warn", "admin1", "warn", "g9", "wx_li",
                                     "--category", "flooding", "--reason", "刷屏 40 条"))
    walk.removal_id = last_line(step("remove", "admin1", "member", "remove", "g9", "wx_li",
                                     "--temporary", "--reason", "与邻居争吵，劝阻无效"))
    step("readmit", "admin1", "member", "readmit", "g9", "wx_li", "--note", "业委会调解后重新邀请")
    return walk


def expected_walk_outputs(walk: Walk) -> dict[str, str]:
    """Every reply says when its fact happened, as stored (here the --at given, +08:00)."""
    def when(name: str) -> str:
        return T[name].replace("+08:00", ":00+08:00")

    return {
        "create": f"Registered group g9 ({GROUP_NAME}) at {when('create')}, owned by owner1, "
                  "under default v1: 默认群规 (default rules).\n",
        "grant": f"Granted admin in g9 to admin1 at {when('grant')}.\n",
        "admit_wang": f"Admitted wx_wang to g9 as g9#1003@王x at {when('admit_wang')}.\n",
        "admit_li": f"Admitted wx_li to g9 as 李x明 at {when('admit_li')}.\n",
        "rename": f"Renamed wx_li in g9 at {when('rename')}: 李x明 → g9#1001@李x明.\n",
        "flag": f"Flagged m-778 of wx_li in g9 as risky_link (风险链接) at {when('flag')}.\n"
                f"{walk.flag_id}\n",
        "confirm": f"Confirmed flag {walk.flag_id[:8]} at {when('confirm')}: wx_li in g9 is "
                   "warned (1 of 3 strikes, warned).\n"
                   f"{walk.confirm_warning_id}\n",
        "warn": f"Warned wx_li in g9 for flooding at {when('warn')}: 2 of 3 strikes, warned.\n"
                f"{walk.warning_id}\n",
        "remove": f"Temporarily removed wx_li from g9 at {when('remove')}: 与邻居争吵，劝阻无效\n"
                  f"{walk.removal_id}\n",
        "readmit": f"Readmitted wx_li to g9 at {when('readmit')}.\n",
    }


# The standings after the walk-through, in every format. The default rulebook has no
# nickname pattern (nickname_ok is null), no reviews, and strikes that never expire, so
# these stay true whatever the day the tests run.
STANDING_KEYS = ["group", "member", "nickname", "status", "strikes", "since"]
WALK_STANDINGS = [
    {"group": "g9", "member": "wx_li", "nickname": "g9#1001@李x明", "status": "warned",
     "strikes": 2, "since": "2026-11-24T18:00:00+08:00", "nickname_ok": None,
     "reminders": 0, "review_due": False},
    {"group": "g9", "member": "wx_wang", "nickname": "g9#1003@王x", "status": "active",
     "strikes": 0, "since": "2026-11-20T10:00:00+08:00", "nickname_ok": None,
     "reminders": 0, "review_due": False},
]

WALK_STANDINGS_PRINTED = {
    "json": """\
[
  {
    "group": "g9",
    "member": "wx_li",
    "nickname": "g9#1001@李x明",
    "status": "warned",
    "strikes": 2,
    "since": "2026-11-24T18:00:00+08:00",
    "nickname_ok": null,
    "reminders": 0,
    "review_due": false
  },
  {
    "group": "g9",
    "member": "wx_wang",
    "nickname": "g9#1003@王x",
    "status": "active",
    "strikes": 0,
    "since": "2026-11-20T10:00:00+08:00",
    "nickname_ok": null,
    "reminders": 0,
    "review_due": false
  }
]
""",
    "jsonl": (
        '{"group":"g9","member":"wx_li","nickname":"g9#1001@李x明","status":"warned",'
        '"strikes":2,"since":"2026-11-24T18:00:00+08:00","nickname_ok":null,"reminders":0,'
        '"review_due":false}\n'
        '{"group":"g9","member":"wx_wang","nickname":"g9#1003@王x","status":"active",'
        '"strikes":0,"since":"2026-11-20T10:00:00+08:00","nickname_ok":null,"reminders":0,'
        '"review_due":false}\n'
    ),
    "csv": (
        "group,member,nickname,status,strikes,since,nickname_ok,reminders,review_due\n"
        "g9,wx_li,g9#1001@李x明,warned,2,2026-11-24T18:00:00+08:00,,0,false\n"
        "g9,wx_wang,g9#1003@王x,active,0,2026-11-20T10:00:00+08:00,,0,false\n"
    ),
    # 李 and 明 take two columns each, so the nickname column is 13 wide and 王x's
    # nickname (11 columns) gets two more spaces; a null is an empty cell.
    "table": (
        "group  member   nickname       status  strikes  since                      "
        "nickname_ok  reminders  review_due\n"
        "-----  -------  -------------  ------  -------  -------------------------  "
        "-----------  ---------  ----------\n"
        "g9     wx_li    g9#1001@李x明  warned  2        2026-11-24T18:00:00+08:00  "
        "             0          no\n"
        "g9     wx_wang  g9#1003@王x    active  0        2026-11-20T10:00:00+08:00  "
        "             0          no\n"
    ),
}


def walk(command: click.Command,
         path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command below `command` with its path, itself included, depth first."""
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            subcommand = command.get_command(ctx, name)
            assert subcommand is not None, (*path, name)
            yield from walk(subcommand, (*path, name))
