"""How events become bytes and back: pydantic dumps a model to JSON types, orjson writes them.

Unicode is stored as UTF-8 as it was given; nothing is escaped or normalised.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import NoneType, UnionType
from typing import Any, Literal, Union, get_args, get_origin
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper, ProgrammingError, StoredEvent, Transcoder, Transcoding
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import AwareDatetime, BaseModel


class PydanticMapper(Mapper):
    _ids: dict[str, UUID]  # originator ids already read: a UUID is costly to parse

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ids = {}

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        model: BaseModel = domain_event
        stored_state = self.transcoder.encode(model.model_dump(mode="json"))
        if self.compressor:
            stored_state = self.compressor.compress(stored_state)
        if self.cipher:
            stored_state = self.cipher.encrypt(stored_state)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(type(domain_event)),
            state=stored_state,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        stored_state = stored_event.state
        if self.cipher:
            stored_state = self.cipher.decrypt(stored_state)
        if self.compressor:
            stored_state = self.compressor.decompress(stored_state)
        return self.event_from(stored_event.topic, stored_state)

    def event_from(self, topic: str, state: bytes) -> Any:
        """The event stored under `topic` with this (plain JSON) state: parsed and
        validated in one step from the JSON the transcoder wrote, the same result as
        decoding first without building the dict twice.
        """
        event_class = _classes.get(topic)
        if event_class is None:
            event_class = _classes[topic] = resolve_topic(topic)
        return event_class.model_validate_json(state)

    def trusted_event_from(self, topic: str, state: bytes) -> Any:
        """The same event as `event_from`, built without validating it: for reading back
        what this ledger stored itself, as a rebuild of the views does.

        Why that is safe: every stored event was validated as its model when it was
        recorded (the judge built it, pydantic checked it, `to_stored_event` dumped it),
        and imports validate every line before they store it. What validation would do
        to stored JSON is therefore only conversion — times and ids back to their
        types, arrays to tuples — and the defaults of fields added after the event was
        written (how an old event is read by today's model); `_plan` does exactly that.
        Anything else (a key the model does not know, a required field missing, a type
        the plan cannot convert) goes the validated way, which reports it as it always
        did. A test builds every event type both ways and compares the views' rows.
        """
        plan = _plans.get(topic)
        if plan is None:
            event_class = _classes.get(topic)
            if event_class is None:
                event_class = _classes[topic] = resolve_topic(topic)
            plan = _plans[topic] = _plan(event_class)
        if plan is _VALIDATE:
            return self.event_from(topic, state)
        event_class, fields, converters, defaults = plan
        data = orjson.loads(state)
        if data.keys() != fields:
            given = set(data)
            if not given <= fields or not fields - given <= defaults.keys():
                return self.event_from(topic, state)  # unknown or missing: as validated
            fields_set = given
            data = {**{k: v for k, v in defaults.items() if k not in given}, **data}
        else:
            fields_set = set(fields)
        ids = self._ids
        if len(ids) > 500_000:
            ids.clear()  # one entry an aggregate: bounded all the same
        key = data["originator_id"]
        uid = ids.get(key)
        if uid is None:
            uid = ids[key] = UUID(key)
        data["originator_id"] = uid
        for name, convert in converters:
            value = data[name]
            if value is not None:
                data[name] = convert(value)
        event = _new(event_class)
        _set(event, "__dict__", data)
        _set(event, "__pydantic_fields_set__", fields_set)
        _set(event, "__pydantic_extra__", None)
        _set(event, "__pydantic_private__", None)
        return event


_classes: dict[str, type[BaseModel]] = {}
_new = object.__new__
_set = object.__setattr__

Plan = tuple[type[BaseModel], frozenset[str], tuple[tuple[str, Callable[[Any], Any]], ...],
             dict[str, Any]]
_VALIDATE: Any = object()  # a model whose fields the plan cannot convert: validate it
_plans: dict[str, Plan] = {}


def _converter(annotation: Any) -> Callable[[Any], Any] | None | object:
    """How stored JSON of this annotation becomes the value validation gives: a function,
    None for a value taken as it is, or `_VALIDATE`.
    """
    origin = get_origin(annotation)
    if origin in (Union, UnionType):
        kinds = [a for a in get_args(annotation) if a is not NoneType]
        return _converter(kinds[0]) if len(kinds) == 1 else _VALIDATE
    if origin is not None and getattr(origin, "__name__", "") == "Annotated":
        return _VALIDATE
    if annotation in (str, int, bool) or origin is Literal:
        return None
    if origin is dict or annotation is dict:
        return None  # plain data (a rulebook), kept as the dict it is
    if origin is tuple and all(a in (str, Ellipsis) for a in get_args(annotation)):
        return tuple
    if annotation in (datetime, AwareDatetime):
        return datetime.fromisoformat  # stored times carry their offset, as dumped
    if annotation is UUID:
        return UUID
    return _VALIDATE


def _plan(event_class: type[BaseModel]) -> Plan:
    if event_class.__pydantic_post_init__ or event_class.__pydantic_root_model__ or \
            event_class.model_config.get("extra") != "forbid":
        return _VALIDATE
    converters = []
    defaults = {}
    for name, info in event_class.model_fields.items():
        if info.metadata or info.alias or info.validate_default:
            return _VALIDATE
        convert = _converter(info.annotation)
        if convert is _VALIDATE or (name == "originator_id") != (convert is UUID):
            return _VALIDATE
        if convert is not None and name != "originator_id":
            converters.append((name, convert))
        if not info.is_required():
            if info.default_factory is not None:
                return _VALIDATE
            defaults[name] = info.default
    return (event_class, frozenset(event_class.model_fields), tuple(converters),  # type: ignore[return-value]
            defaults)


class OrjsonTranscoder(Transcoder):
    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)

    def register(self, transcoding: Transcoding) -> None:
        raise ProgrammingError("events are pydantic models: no transcodings to register")
