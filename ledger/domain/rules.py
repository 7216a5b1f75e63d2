"""A group's rules as the log keeps them: plain data with a schema version, never the
live `Rulebook` model. Old stored rules are upcast to today's schema and read by code
that passes over keys it does not know, so a later release that adds or drops a key
still opens every ledger written before it.

    schema 1   the validated rulebook document as release 0.1.0 dumped it (JSON types)

A version whose data today's model cannot read at all is still folded (the group keeps
its history); only judging a new fact by it, or showing it, says what is wrong.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from ledger.domain.errors import StoreError
from ledger.domain.i18n import _
from ledger.domain.rulebook import Rulebook

RULEBOOK_SCHEMA = 1

# schema N -> N+1, each a pure function of the stored data.
UPCASTS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def stored(rulebook: Rulebook) -> dict[str, Any]:
    """The rulebook as the log keeps it: the validated document, as JSON types."""
    return rulebook.document()


def read(data: dict[str, Any], schema: int) -> Rulebook:
    """Today's `Rulebook` from stored data of any schema up to today's."""
    if schema > RULEBOOK_SCHEMA:
        raise StoreError(_("these rules were stored by a newer release (schema {schema}; this "
                           "one reads up to {RULEBOOK_SCHEMA}): upgrade the ledger program").format(
                           schema=schema, RULEBOOK_SCHEMA=RULEBOOK_SCHEMA))
    for version in range(schema, RULEBOOK_SCHEMA):
        data = UPCASTS[version](data)
    try:
        return Rulebook.model_validate(known_keys(Rulebook, data))
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise StoreError(_("stored rules cannot be read by this release ({key}: {msg}): report "
                           "it with the ledger file").format(key=key, msg=first['msg'])) from None


def known_keys(model: type[BaseModel], data: Any) -> Any:
    """`data` with only the keys `model` (and the models inside it) knows."""
    if not isinstance(data, dict):
        return data
    return {name: _strip(info.annotation, data[name])
            for name, info in model.model_fields.items() if name in data}


def _strip(annotation: Any, value: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return known_keys(annotation, value)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType):
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        return known_keys(models[0], value) if models and isinstance(value, dict) else value
    if origin is tuple and args and isinstance(value, list):
        return [_strip(args[0], v) for v in value]
    if origin is dict and len(args) == 2 and isinstance(value, dict):
        return {k: _strip(args[1], v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class RuleVersion:
    """One version of a group's rules and when it came into force."""

    version: int
    data: dict[str, Any]
    source: str
    effective_at: datetime
    resolution: str | None = None
    schema: int = RULEBOOK_SCHEMA
    _read: list[Rulebook] = field(default_factory=list, compare=False, repr=False)

    @property
    def rulebook(self) -> Rulebook:
        if not self._read:
            self._read.append(read(self.data, self.schema))
        return self._read[0]

    @property
    def name(self) -> str:
        return str(self.data.get("name", "?"))

    def describe(self) -> str:
        return f"{self.name} v{self.version}"
