"""`ledger rulebook …`: read and validate rulebook files."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.language import TranslatedGroup
from cli.output import emit, format_option, render_table
from ledger.domain.i18n import _, ngettext

if TYPE_CHECKING:
    from ledger.domain.rulebook import Rulebook


def show_rulebook(book: Rulebook, fmt: str) -> None:
    """A rulebook for people, or the validated model as JSON."""
    if fmt == "json":
        import orjson

        from ledger.domain.rulebook import document

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
    expiry = (_("; a strike expires after {days} days").format(days=strikes.expire_after_days)
              if strikes.expire_after_days else _("; strikes do not expire"))
    lines.append(_("Strikes: limit {limit} → {on_limit}; on-sight categories → "
                   "{on_sight}{expiry}.").format(
                   limit=strikes.limit, on_limit=strikes.on_limit, on_sight=strikes.on_sight,
                   expiry=expiry))
    if book.nickname:
        nick = book.nickname
        examples = ", ".join(nick.examples) or _("none")
        consequence = (_("{n} ignored reminders → removal_due").format(
                           n=nick.removal_after_reminders)
                       if nick.removal_after_reminders is not None
                       else _("reminders are counted, ignoring them is no sanction"))
        lines.append(_("Nickname: {description} (pattern {pattern}; e.g. {examples}); "
                       "{consequence}.").format(
                       description=nick.description, pattern=nick.pattern, examples=examples,
                       consequence=consequence))
        for exemption in nick.exemptions:
            lines.append(_("  exemption {exemption}: {description} (pattern {pattern})").format(
                           exemption=exemption.key, description=exemption.description,
                           pattern=exemption.pattern))
    admission = book.admission
    terms = [_("identity verification required") if admission.verification_required else
             _("no verification required")]
    if admission.relations:
        terms.append(_("relations {relations}").format(relations=", ".join(admission.relations)))
    if admission.excluded_relations:
        terms.append(_("excluded {relations}").format(
            relations=", ".join(admission.excluded_relations)))
    terms.append(_("may invite: {roles}").format(roles=", ".join(admission.may_invite)))
    lines.append(_("Admission: {terms}.").format(terms=_("; ").join(terms)))
    if book.posting:
        windows = ", ".join(w.describe() for w in book.posting.windows)
        lines.append(_("Posting windows ({timezone}): {windows}; outside them: {category}.").format(
                       timezone=book.posting.timezone, windows=windows,
                       category=book.posting.category))
    if book.tasks:
        lines.append(_("Tasks: acknowledge within {response_minutes} minutes, else {category}.").format(
                       response_minutes=book.tasks.response_minutes, category=book.tasks.category))
    if book.review:
        lines.append(_("Membership review: every {period_days} days.").format(
                       period_days=book.review.period_days))
    if book.appeals and book.appeals.window_days:
        lines.append(_("Appeals: within {window_days} days of the sanction.").format(
                       window_days=book.appeals.window_days))
    lines.append("")
    lines.append(render_table([{k: v for k, v in c.items() if k != "rule"} for c in categories],
                              ("category", "zh", "en", "weight", "on_sight")))
    click.echo("\n".join(lines))


@click.group(cls=TranslatedGroup)
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
    from ledger.domain.rulebook import BUILTIN, load

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
    from ledger.domain.rulebook import load

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
    from ledger.domain.rulebook import load

    book, source = load(path)
    said = ngettext("{source}: valid rulebook {book} ({title}), {n} category.",
                    "{source}: valid rulebook {book} ({title}), {n} categories.",
                    len(book.categories))
    click.echo(said.format(source=source, book=book.name, title=book.title,
                           n=len(book.categories)))
