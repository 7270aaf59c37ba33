"""Pure rules of Scope for Growth career conversations.

Scope for Growth (NHS England's talent management approach) has the individual and their manager
hold a regular career conversation: where they are now, where they want to go, and the actions
agreed. The conversation belongs to the individual. What it records in words stays between them
and their manager; what the talent function may use are the outcome codes below, which pool
rules read.
"""

from __future__ import annotations

from enum import StrEnum


class ConversationOutcome(StrEnum):
    # Ready for a move to a bigger role now.
    READY_NOW_FOR_MOVE = "ready_now_for_move"
    # Ready for stretch: more scope or a secondment within the next year or two.
    READY_FOR_STRETCH = "ready_for_stretch"
    # Growing in the current role; no move sought.
    GROW_IN_ROLE = "grow_in_role"
    # Exploring options, e.g. a change of profession or setting.
    EXPLORING_OPTIONS = "exploring_options"
    # Needs support first (performance, health, circumstances).
    NEEDS_SUPPORT = "needs_support"
    # Not seeking a change now (e.g. a career break or retirement planned).
    NOT_SEEKING_CHANGE = "not_seeking_change"


class Timeframe(StrEnum):
    NOW = "now"
    WITHIN_A_YEAR = "within_a_year"
    ONE_TO_TWO_YEARS = "one_to_two_years"
    THREE_PLUS_YEARS = "three_plus_years"


def may_read_private_notes(*, subject: str, person_id: str, manager_person_id: str | None) -> bool:
    """The words are for the individual and the manager who held the conversation only."""
    return subject == person_id or (manager_person_id is not None and subject == manager_person_id)


def may_record(*, subject: str, person_id: str, line_manager_id: str | None) -> bool:
    """A conversation is recorded by the individual or by their line manager."""
    return subject == person_id or (line_manager_id is not None and subject == line_manager_id)
