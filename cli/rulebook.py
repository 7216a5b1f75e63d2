"""`ledger rulebook …`: read and validate rulebook files."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.output import emit, format_option, render_table

if TYPE_CHECKING:
    from ledger.rulebook import Rulebook


def show_rulebook(book: Rulebook, fmt: str) -> None:
    """A rulebook for people, or the validated model as JSON."""
    if fmt == "json":
        import orjson

        from ledger.rulebook import document

        click.echo(orjson.dumps(document(book), option=orjson.OPT_INDENT_2).decode())
        return
    categories = [{"category": key, "zh": c.zh, "en": c.en, "weight": c.weight,
                   "on_sight": c.on_sight, "rule": c.rule} for key, c in book.categories.items()]
    if fmt in ("jsonl", "csv"):
        emit(categories, ("category", "zh", "en", "weight", "on_sight", "rule"), fmt)
        return
    lines = [f"{book.title} [{book.name}]"]
    if book.description:
        lines.append(book.description)
    strikes = book.strikes
    expiry = (f"; a strike expires after {strikes.expire_after_days} days"
              if strikes.expire_after_days else "; strikes do not expire")
    lines.append(f"Strikes: limit {strikes.limit} → {strikes.on_limit}; on-sight categories → "
                 f"{strikes.on_sight}{expiry}.")
    if book.nickname:
        nick = book.nickname
        examples = ", ".join(nick.examples) or "none"
        consequence = (f"{nick.removal_after_reminders} ignored reminders → removal_due"
                       if nick.removal_after_reminders is not None
                       else "reminders are counted, ignoring them is no sanction")
        lines.append(f"Nickname: {nick.description} (pattern {nick.pattern}; e.g. {examples}); "
                     f"{consequence}.")
        for exemption in nick.exemptions:
            lines.append(f"  exemption {exemption.key}: {exemption.description} "
                         f"(pattern {exemption.pattern})")
    admission = book.admission
    lines.append("Admission: " + "; ".join(filter(None, [
        "identity verification required" if admission.verification_required else
        "no verification required",
        f"relations {', '.join(admission.relations)}" if admission.relations else "",
        f"excluded {', '.join(admission.excluded_relations)}" if admission.excluded_relations
        else "",
        f"may invite: {', '.join(admission.may_invite)}"])) + ".")
    if book.posting:
        windows = ", ".join(w.describe() for w in book.posting.windows)
        lines.append(f"Posting windows ({book.posting.timezone}): {windows}; outside them: "
                     f"{book.posting.category}.")
    if book.tasks:
        lines.append(f"Tasks: acknowledge within {book.tasks.response_minutes} minutes, else "
                     f"{book.tasks.category}.")
    if book.review:
        lines.append(f"Membership review: every {book.review.period_days} days.")
    if book.appeals and book.appeals.window_days:
        lines.append(f"Appeals: within {book.appeals.window_days} days of the sanction.")
    lines.append("")
    lines.append(render_table([{k: v for k, v in c.items() if k != "rule"} for c in categories],
                              ("category", "zh", "en", "weight", "on_sight")))
    click.echo("\n".join(lines))


@click.group()
def rulebook() -> None:
    """Show and check rulebooks: the built-in ones or TOML files.

    \b
    Example:
      ledger rulebook list
      ledger rulebook show builtin:estate
      ledger rulebook check my-rules.toml
    """


@rulebook.command("list")
@format_option
def list_rulebooks(fmt: str) -> None:
    """The built-in rulebooks: the reference to give `group create --rulebook`, the
    title, and how many categories each knows.

    \b
    Example:
      ledger rulebook list
    """
    from ledger.rulebook import BUILTIN, load

    rows = []
    for name in BUILTIN:
        book, source = load(f"builtin:{name}")
        rows.append({"rulebook": source, "title": book.title,
                     "categories": len(book.categories)})
    emit(rows, ("rulebook", "title", "categories"), fmt)


@rulebook.command("show")
@click.argument("reference", metavar="NAME|PATH")
@format_option
def show(reference: str, fmt: str) -> None:
    """Print a rulebook readably, or as the validated model in JSON.

    NAME is one of default, company, estate, corporate, referees (with or without
    `builtin:`).

    \b
    Example:
      ledger rulebook show estate
      ledger rulebook show builtin:referees --format json
    """
    from ledger.rulebook import load

    book, _ = load(reference)
    show_rulebook(book, fmt)


@rulebook.command("check")
@click.argument("path", metavar="PATH")
def check(path: str) -> None:
    """Validate a rulebook file: exit 0 and a summary if it is valid, else exit 1 and the
    key and line of what is wrong.

    \b
    Example:
      ledger rulebook check my-rules.toml
    """
    from ledger.rulebook import load

    book, source = load(path)
    click.echo(f"{source}: valid rulebook {book.name} ({book.title}), "
               f"{len(book.categories)} "
               f"{'category' if len(book.categories) == 1 else 'categories'}.")
