"""`ledger proof …`: RFC 6962 proofs of the log, printed and checked as JSON in the shape
of the public test vectors (hashes in base64).
"""

from __future__ import annotations

import sys

import click

from cli.language import TranslatedGroup
from cli.session import Session, pass_session
from ledger.domain.i18n import N_, _


@click.group(cls=TranslatedGroup)
def proof() -> None:
    """Print and check Merkle proofs: that an event is in the log, that a log extends an
    earlier one. Proofs are RFC 6962 audit paths in JSON; 'proof check' needs no ledger.

    \b
    Example:
      ledger proof inclusion 3f2a9c1e --size 120 > warning.json
      ledger proof consistency 120 180
      ledger proof check warning.json
    """


def _print(data: dict) -> None:  # type: ignore[type-arg]
    import orjson

    click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())


@proof.command("inclusion")
@click.argument("target", metavar="SANCTION|EVENT")
@click.option("--size", type=int, metavar="N",
              help=N_("in the tree of the first N events (a seal's size); default every event"))
@pass_session
def inclusion(session: Session, target: str, size: int | None) -> None:
    """Prove that one event is in the log: a sanction, flag or task id (any unique
    prefix) names the event that recorded it; a number is a notification id.

    \b
    Example:
      ledger proof inclusion 3f2a9c1e --size 120
      ledger proof inclusion 7
    """
    from ledger.trust import verify as integrity

    ledger = session.ledger()
    if target.isdigit():
        notification_id = int(target)
    else:
        notification_id = integrity.case_notification(ledger, target)
    _print(integrity.inclusion(ledger, notification_id, size=size))


@proof.command("consistency")
@click.argument("old", type=int, metavar="OLD_SIZE")
@click.argument("new", type=int, metavar="NEW_SIZE")
@pass_session
def consistency(session: Session, old: int, new: int) -> None:
    """Prove that the log's first OLD_SIZE events are unchanged in its first NEW_SIZE
    (that the log was only appended to between two seals).

    \b
    Example:
      ledger proof consistency 120 180
    """
    from ledger.trust import verify as integrity

    _print(integrity.consistency(session.ledger(), old, new))


@proof.command("check")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False, allow_dash=True))
def check(path: str) -> None:
    """Check a proof offline, without a ledger: exit 0 if it holds, 1 if not. Every
    element of the proof takes part; a proof one hash too long or short is refused.

    \b
    Example:
      ledger proof check warning.json
      ledger proof inclusion 7 | ledger proof check -
    """
    from ledger.domain.errors import InvalidInput
    from ledger.trust.verify import check_proof, parse_proof

    try:
        data = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
    except OSError as error:
        raise InvalidInput(_("cannot read {path}: {strerror}: check the path").format(
                             path=path, strerror=error.strerror)) from None
    claim, holds = check_proof(parse_proof(data))
    if not holds:
        raise click.ClickException(_("invalid: the proof does not show that {claim}").format(
                                     claim=claim))
    click.echo(_("valid: {claim}").format(claim=claim))
