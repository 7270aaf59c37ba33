"""Events about frameworks (ARCHITECTURE §5 catalogue)."""

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from shared.events.model import Event


class FrameworkPublished(Event):
    """A framework version was published: from now on it is immutable and may be assessed."""

    event_name: ClassVar[str] = "framework.published"
    key_field: ClassVar[str] = "code"
    subject_template: ClassVar[str] = "frameworks/{code}/versions/{version}"

    code: str
    version: str
    published_at: datetime
    previous_version: str | None
    # Standards whose code changed and the code they replace: evidence carries forward.
    predecessor_version: str | None = None
    standard_codes: list[str] = Field(default_factory=list)
