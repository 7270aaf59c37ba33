"""Pure rules of talent pools: who the rules propose, and how a membership may move.

A pool's rules are data: every condition given must hold (an empty rule set proposes nobody,
so a pool never fills by accident). Each proposal carries the conditions it met, with the
evidence, so the talent lead who confirms or declines sees why the person was proposed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class PoolScope(StrEnum):
    ORGANISATION = "organisation"
    ICS = "ics"
    REGION = "region"
    NATIONAL = "national"


class MembershipStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    PAUSED = "paused"
    EXITED = "exited"
    DECLINED = "declined"


# proposed → confirmed → paused → exited, with a way back from a pause; a proposal may be
# declined; exited and declined are final (a later proposal is a new decision).
TRANSITIONS: dict[MembershipStatus, frozenset[MembershipStatus]] = {
    MembershipStatus.PROPOSED: frozenset({MembershipStatus.CONFIRMED, MembershipStatus.DECLINED}),
    MembershipStatus.CONFIRMED: frozenset({MembershipStatus.PAUSED, MembershipStatus.EXITED}),
    MembershipStatus.PAUSED: frozenset({MembershipStatus.CONFIRMED, MembershipStatus.EXITED}),
    MembershipStatus.EXITED: frozenset(),
    MembershipStatus.DECLINED: frozenset(),
}
# A decision against the proposal, or taking someone out, must say why.
REASON_REQUIRED = frozenset(
    {MembershipStatus.DECLINED, MembershipStatus.PAUSED, MembershipStatus.EXITED}
)


class TransitionRefused(ValueError):
    """A membership move its life cycle does not allow."""


def check_transition(
    current: MembershipStatus, target: MembershipStatus, reason: str | None
) -> None:
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none"
        raise TransitionRefused(
            f"a {current} membership cannot become {target} (allowed: {allowed})"
        )
    if target in REASON_REQUIRED and not (reason and reason.strip()):
        raise TransitionRefused(f"becoming {target} needs a reason")


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """What the rules may look at for one person (from the directory and the profile)."""

    person_id: str
    org_code: str
    band: str
    staff_group: str
    performance_outcome: str | None = None
    behaviour_outcome: str | None = None
    aspiration_target_level: str | None = None
    eligible_levels: frozenset[str] = frozenset()
    conversation_outcomes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Match:
    matched: bool
    met: dict[str, Any] = field(default_factory=dict)


RULE_NAMES = (
    "bands",
    "staff_groups",
    "performance_outcomes",
    "behaviour_outcomes",
    "aspiration_target_levels",
    "eligible_for_levels",
    "conversation_outcomes",
)


def _value_for(rule: str, facts: PersonFacts) -> Any:
    return {
        "bands": facts.band,
        "staff_groups": facts.staff_group,
        "performance_outcomes": facts.performance_outcome,
        "behaviour_outcomes": facts.behaviour_outcome,
        "aspiration_target_levels": facts.aspiration_target_level,
        "eligible_for_levels": sorted(facts.eligible_levels),
        "conversation_outcomes": sorted(facts.conversation_outcomes),
    }[rule]


def matches(rules: Mapping[str, Sequence[str]], facts: PersonFacts) -> Match:
    """Every rule given must hold; the answer names what each rule saw."""
    given = {name: list(values) for name, values in rules.items() if values}
    if not given:
        return Match(False)
    met: dict[str, Any] = {}
    for name, wanted in given.items():
        value = _value_for(name, facts)
        if isinstance(value, list):
            ok = bool(set(value) & set(wanted))
        else:
            ok = value is not None and value in wanted
        if not ok:
            return Match(False)
        met[name] = value
    return Match(True, met)
