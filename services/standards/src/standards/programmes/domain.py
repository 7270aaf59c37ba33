"""Pure facts about the curriculum: programme categories and the management levels they serve."""

from collections.abc import Iterable
from enum import StrEnum


class Category(StrEnum):
    """Matches the `category` of `training.completed` (ARCHITECTURE §5)."""

    STATUTORY_MANDATORY = "statutory_mandatory"
    LEADERSHIP = "leadership"
    OTHER = "other"


class Level(StrEnum):
    """Management levels, entry to board.

    The Management and Leadership Framework's own levels are not published yet (DOMAIN §3), so
    these are the platform's working set, ordered from the first role to the board.
    """

    ENTRY = "entry"
    FIRST_LINE = "first_line"
    MIDDLE = "middle"
    SENIOR = "senior"
    EXECUTIVE = "executive"
    BOARD = "board"


LEVEL_ORDER: tuple[Level, ...] = tuple(Level)


class Mode(StrEnum):
    """How a programme is delivered."""

    ONLINE = "online"
    FACE_TO_FACE = "face_to_face"
    BLENDED = "blended"
    WORKPLACE = "workplace"


def ordered_levels(levels: Iterable[str]) -> list[Level]:
    """Levels in ladder order without repeats, whatever order they were given in."""
    wanted = {Level(value) for value in levels}
    return [level for level in LEVEL_ORDER if level in wanted]


def uncovered_standards(required: Iterable[str], programme_standards: Iterable[str]) -> list[str]:
    """The required standards that none of a bundle's programmes covers, in code order."""
    covered = set(programme_standards)
    return sorted(set(required) - covered)
