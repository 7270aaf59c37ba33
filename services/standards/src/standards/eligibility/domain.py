"""Pure rules of the senior-role prerequisite: what a level requires, and whether it is met.

A policy is data (versioned, stored, published by the national team): per level, a list of
requirements, each either a set of standards to be attained through accredited training or a
set of programmes of which one must be held, for everyone or for line managers only. Only
current credentials count: a revoked or expired one attests nothing any more.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from standards.learning import domain as learning_domain
from standards.programmes.domain import Level


class RequirementKind(StrEnum):
    # Every listed standard covered by some current accredited credential.
    STANDARDS = "standards"
    # A current accredited credential for one of the listed programmes.
    PROGRAMMES = "programmes"


class Audience(StrEnum):
    EVERYONE = "everyone"
    LINE_MANAGERS = "line_managers"


@dataclass(frozen=True, slots=True)
class Requirement:
    id: str
    level: Level
    kind: RequirementKind
    description: str
    standards: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    applies_to: Audience = Audience.EVERYONE

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Requirement:
        return cls(
            id=str(data["id"]),
            level=Level(data["level"]),
            kind=RequirementKind(data["kind"]),
            description=str(data["description"]),
            standards=tuple(data.get("standards") or ()),
            programmes=tuple(data.get("programmes") or ()),
            applies_to=Audience(data.get("applies_to", Audience.EVERYONE)),
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "level": self.level.value,
            "kind": self.kind.value,
            "description": self.description,
            "standards": list(self.standards),
            "programmes": list(self.programmes),
            "applies_to": self.applies_to.value,
        }


class InvalidPolicy(ValueError):
    """A policy document that cannot be evaluated (unknown level, requirement or programme)."""


@dataclass(frozen=True)
class Policy:
    version: str
    requirements: tuple[Requirement, ...]

    def for_level(self, level: Level) -> tuple[Requirement, ...]:
        return self._by_level.get(level, ())

    @functools.cached_property
    def _by_level(self) -> dict[Level, tuple[Requirement, ...]]:
        # Computed once per policy: a bulk re-determination asks for every level of every person.
        return {
            level: tuple(r for r in self.requirements if r.level is level)
            for level in {r.level for r in self.requirements}
        }

    @property
    def levels(self) -> list[Level]:
        present = {r.level for r in self.requirements}
        return [level for level in Level if level in present]


def check_policy(requirements: Sequence[Requirement], *, known_programmes: set[str]) -> None:
    """A policy that could never be met, or is ambiguous, is refused before it is published."""
    seen: set[str] = set()
    for requirement in requirements:
        if requirement.id in seen:
            raise InvalidPolicy(f"requirement id {requirement.id} is used twice")
        seen.add(requirement.id)
        if requirement.kind is RequirementKind.STANDARDS and not requirement.standards:
            raise InvalidPolicy(f"requirement {requirement.id} lists no standards")
        if requirement.kind is RequirementKind.PROGRAMMES and not requirement.programmes:
            raise InvalidPolicy(f"requirement {requirement.id} lists no programmes")
        unknown = sorted(set(requirement.programmes) - known_programmes)
        if unknown:
            raise InvalidPolicy(
                f"requirement {requirement.id} names unknown programmes: {', '.join(unknown)}"
            )


@dataclass(frozen=True, slots=True)
class HeldCredential:
    credential_id: uuid.UUID
    programme_code: str
    standards: frozenset[str]
    expires_at: datetime | None
    revoked: bool
    awarded_at: datetime


@dataclass(frozen=True, slots=True)
class RequirementOutcome:
    requirement: Requirement
    applies: bool
    met: bool
    evidence_credential_ids: tuple[uuid.UUID, ...]
    missing_standards: tuple[str, ...]
    missing_programmes: tuple[str, ...]
    # Programmes of the catalogue that would close the gap (empty when met).
    closing_programmes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Determination:
    person_id: str
    level: Level
    policy_version: str
    as_of: datetime
    outcomes: tuple[RequirementOutcome, ...]

    @property
    def eligible(self) -> bool:
        return all(outcome.met for outcome in self.outcomes)

    @property
    def met_requirement_ids(self) -> list[str]:
        return [o.requirement.id for o in self.outcomes if o.applies and o.met]

    @property
    def unmet_requirement_ids(self) -> list[str]:
        return [o.requirement.id for o in self.outcomes if not o.met]

    @property
    def evidence_credential_ids(self) -> list[uuid.UUID]:
        ids = {cid for outcome in self.outcomes for cid in outcome.evidence_credential_ids}
        return sorted(ids, key=str)


# Enum members read once: looking a member up on its class is slow in Python 3.11, and these
# are read for every requirement of every level of every person in a bulk re-determination.
_EVERYONE = Audience.EVERYONE
_STANDARDS = RequirementKind.STANDARDS


def _applies(requirement: Requirement, is_line_manager: bool | None) -> bool:
    if requirement.applies_to is _EVERYONE:
        return True
    # Unknown (a person not yet in the directory): the requirement stands. Saying "eligible"
    # for want of data would defeat the prerequisite; the answer shows what would meet it.
    return is_line_manager is not False


def current_credentials(
    credentials: Iterable[HeldCredential], *, as_of: datetime
) -> list[HeldCredential]:
    """The credentials that still attest something on ``as_of``."""
    return [
        c
        for c in credentials
        if learning_domain.is_current(c.expires_at, revoked=c.revoked, now=as_of)
    ]


def meets_level(
    *,
    policy: Policy,
    level: Level,
    covered_standards: AbstractSet[str],
    held_programmes: AbstractSet[str],
    is_line_manager: bool | None,
) -> bool:
    """Whether every requirement of ``level`` is met, without the evidence and the gaps.

    The same rule as `evaluate` (its ``eligible``), reduced to a yes or no from the standards
    and programmes of the person's current credentials: a bulk re-determination asks it first,
    and builds the full answer only where one is kept or published.
    """
    for requirement in policy.for_level(level):
        if not _applies(requirement, is_line_manager):
            continue
        if requirement.kind is _STANDARDS:
            if not covered_standards.issuperset(requirement.standards):
                return False
        elif held_programmes.isdisjoint(requirement.programmes):
            return False
    return True


def evaluate(
    *,
    policy: Policy,
    level: Level,
    person_id: str,
    credentials: Iterable[HeldCredential],
    is_line_manager: bool | None,
    catalogue: Mapping[str, frozenset[str]],
    as_of: datetime,
    already_current: bool = False,
) -> Determination:
    """Whether ``person_id`` meets every requirement of ``level`` on ``as_of``.

    ``catalogue`` maps each programme code to the standards it covers, for naming the
    programmes that would close a gap. ``already_current``: the caller filtered the credentials
    with `current_credentials` (once per person, not once per level).
    """
    current = (
        list(credentials) if already_current else current_credentials(credentials, as_of=as_of)
    )
    covered = {s for c in current for s in c.standards}
    outcomes: list[RequirementOutcome] = []
    for requirement in policy.for_level(level):
        if not _applies(requirement, is_line_manager):
            # Not asked of this person: met by definition, nothing missing, no evidence needed.
            outcomes.append(RequirementOutcome(requirement, False, True, (), (), (), ()))
            continue
        if requirement.kind is _STANDARDS:
            wanted = set(requirement.standards)
            evidence = sorted(
                {c.credential_id for c in current if not c.standards.isdisjoint(wanted)}, key=str
            )
            missing_standards = tuple(s for s in requirement.standards if s not in covered)
            missing_programmes: tuple[str, ...] = ()
            met = not missing_standards
            closing: tuple[str, ...] = ()
            if not met:
                gap = set(missing_standards)
                closing = tuple(
                    sorted(code for code, standards in catalogue.items() if standards & gap)
                )
        else:
            evidence = sorted(
                {c.credential_id for c in current if c.programme_code in requirement.programmes},
                key=str,
            )
            missing_standards = ()
            met = bool(evidence)
            missing_programmes = () if met else requirement.programmes
            closing = missing_programmes
        outcomes.append(
            RequirementOutcome(
                requirement=requirement,
                applies=True,
                met=met,
                evidence_credential_ids=tuple(evidence),
                missing_standards=missing_standards,
                missing_programmes=missing_programmes,
                closing_programmes=closing,
            )
        )
    return Determination(
        person_id=person_id,
        level=level,
        policy_version=policy.version,
        as_of=as_of,
        outcomes=tuple(outcomes),
    )


def eligibility_flipped(previously_eligible: bool | None, eligible: bool) -> bool:
    """Whether a new answer is news: everyone starts not eligible, so a first "not eligible"
    is no change and a first "eligible" is one."""
    return eligible != bool(previously_eligible)
