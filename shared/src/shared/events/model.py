"""The base of every event payload (ARCHITECTURE §5).

A payload is a frozen pydantic model in the producing service's ``events.py``. The class names
its event (``appraisal.completed``), its major version, which field is the Kafka key, and how
to render the CloudEvents ``subject``. The same model is the source of the JSON Schema in the
service's ``asyncapi.yaml``.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
event_type_pattern = re.compile(r"^leadership\.[a-z][a-z0-9_.]*\.v[1-9][0-9]*$")


class Event(BaseModel):
    # Consumers ignore fields they do not know: producers may add fields within a major version.
    model_config = ConfigDict(frozen=True, extra="ignore")

    event_name: ClassVar[str]
    major_version: ClassVar[int] = 1
    key_field: ClassVar[str]
    subject_template: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("event_name")
        if name is not None and not _NAME.match(name):
            raise TypeError(
                f"{cls.__name__}.event_name {name!r} must look like 'appraisal.completed'"
            )

    @classmethod
    def event_type(cls) -> str:
        return f"leadership.{cls.event_name}.v{cls.major_version}"

    def partition_key(self) -> str:
        return str(getattr(self, self.key_field))

    def subject(self) -> str:
        return self.subject_template.format(**self.model_dump())

    def to_data(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
