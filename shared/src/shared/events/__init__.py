"""Events: the model base, the CloudEvents codec, the outbox relay and the consumer runner."""

from shared.events.cloudevents import Envelope, PoisonMessage, decode_message, encode_headers
from shared.events.model import Event, event_type_pattern

__all__ = [
    "Envelope",
    "Event",
    "PoisonMessage",
    "decode_message",
    "encode_headers",
    "event_type_pattern",
]
