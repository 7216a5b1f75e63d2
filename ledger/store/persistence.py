"""How events become bytes and back: pydantic dumps a model to JSON types, orjson writes them.

Unicode is stored as UTF-8 as it was given; nothing is escaped or normalised.
"""

from __future__ import annotations

from typing import Any

import orjson
from eventsourcing.persistence import Mapper, ProgrammingError, StoredEvent, Transcoder, Transcoding
from eventsourcing.utils import register_topic, resolve_topic
from pydantic import BaseModel

from ledger.domain.events import TOPICS, topic_of

# The library resolves the stored names too (its own mapper, a notification log reader).
for _topic, _event_type in TOPICS.items():
    register_topic(_topic, _event_type)


class PydanticMapper(Mapper):
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
            topic=topic_of(type(domain_event)),
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
        event_class = TOPICS.get(topic)
        if event_class is None:  # not a ledger event: whatever the library would make of it
            event_class = resolve_topic(topic)
        return event_class.model_validate_json(state)


class OrjsonTranscoder(Transcoder):
    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)

    def register(self, transcoding: Transcoding) -> None:
        raise ProgrammingError("events are pydantic models: no transcodings to register")
