"""Pure rules of versioned frameworks: the draft → published → retired lifecycle and what a
version's tree must satisfy.

A published version is evidence: appraisals score against it and credentials name its
standards, so it never changes. Curators change a framework by drafting a new version, which
may name its predecessor version and, per standard, the predecessor standard it replaces, so
evidence attained against the old standard carries forward to the new one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class VersionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class FrameworkVersionNotEditable(Exception):
    """Only drafts change; a published or retired version is immutable."""

    def __init__(self, version: str, status: VersionStatus) -> None:
        self.status = status
        super().__init__(
            f"version {version} is {status.value} and cannot change; draft a new version instead"
        )


class InvalidVersionTransition(Exception):
    def __init__(self, version: str, current: VersionStatus, requested: VersionStatus) -> None:
        self.current = current
        super().__init__(f"version {version} is {current.value}; it cannot become {requested}")


_ALLOWED_NEXT: dict[VersionStatus, frozenset[VersionStatus]] = {
    VersionStatus.DRAFT: frozenset({VersionStatus.PUBLISHED}),
    VersionStatus.PUBLISHED: frozenset({VersionStatus.RETIRED}),
    VersionStatus.RETIRED: frozenset(),
}


def check_editable(version: str, status: VersionStatus) -> None:
    if status is not VersionStatus.DRAFT:
        raise FrameworkVersionNotEditable(version, status)


def check_transition(version: str, current: VersionStatus, requested: VersionStatus) -> None:
    if requested not in _ALLOWED_NEXT[current]:
        raise InvalidVersionTransition(version, current, requested)


@dataclass(frozen=True, slots=True)
class TreeProblem:
    """One reason a version's tree is refused: where (a request body path) and why."""

    path: str
    message: str


@dataclass(frozen=True, slots=True)
class StandardShape:
    code: str
    predecessor_code: str | None


@dataclass(frozen=True, slots=True)
class DomainShape:
    code: str
    standards: Sequence[StandardShape]


@dataclass(frozen=True, slots=True)
class RatingShape:
    code: str
    proficient: bool


def _duplicates(codes: Iterable[str]) -> set[str]:
    return {code for code, n in Counter(codes).items() if n > 1}


def tree_problems(
    *,
    domains: Sequence[DomainShape],
    rating_scale: Sequence[RatingShape],
    predecessor_version: str | None,
    predecessor_standards: Iterable[str] | None,
    standard_owners: Mapping[str, str] | None = None,
) -> list[TreeProblem]:
    """Everything wrong with a version's tree, so a curator can fix it all in one go.

    ``predecessor_standards`` are the standard codes of the predecessor version (None when the
    version names none). ``standard_owners`` maps standard codes already used by *other*
    frameworks to their framework code: a code means one standard across the platform, since
    programmes and credentials refer to standards by code alone.
    """
    problems: list[TreeProblem] = []
    if not domains:
        problems.append(TreeProblem("body.domains", "a version needs at least one domain"))
    for code in sorted(_duplicates(d.code for d in domains)):
        problems.append(TreeProblem("body.domains", f"domain code {code} appears more than once"))
    all_standards = [s.code for d in domains for s in d.standards]
    for code in sorted(_duplicates(all_standards)):
        problems.append(TreeProblem("body.domains", f"standard code {code} appears more than once"))
    known_predecessors = set(predecessor_standards or ())
    for d_index, domain in enumerate(domains):
        if not domain.standards:
            problems.append(
                TreeProblem(
                    f"body.domains.{d_index}.standards", "a domain needs at least one standard"
                )
            )
        for s_index, standard in enumerate(domain.standards):
            where = f"body.domains.{d_index}.standards.{s_index}"
            owner = (standard_owners or {}).get(standard.code)
            if owner is not None:
                problems.append(
                    TreeProblem(f"{where}.code", f"{standard.code} is a standard of {owner}")
                )
            if standard.predecessor_code is None:
                continue
            if predecessor_version is None:
                problems.append(
                    TreeProblem(
                        f"{where}.predecessor_code",
                        "a predecessor standard needs the version's predecessor_version",
                    )
                )
            elif standard.predecessor_code not in known_predecessors:
                problems.append(
                    TreeProblem(
                        f"{where}.predecessor_code",
                        f"version {predecessor_version} has no standard "
                        f"{standard.predecessor_code}",
                    )
                )
    if not rating_scale:
        problems.append(TreeProblem("body.rating_scale", "a rating scale needs items"))
    for code in sorted(_duplicates(item.code for item in rating_scale)):
        problems.append(
            TreeProblem("body.rating_scale", f"rating item {code} appears more than once")
        )
    if rating_scale and not any(item.proficient for item in rating_scale):
        problems.append(
            TreeProblem(
                "body.rating_scale", "at least one item must count as proficient, or no one can be"
            )
        )
    return problems


def carried_forward(
    evidence_codes: Iterable[str], predecessors: Mapping[str, str | None]
) -> set[str]:
    """The standards of a new version that evidence against older standards meets.

    ``predecessors`` maps each standard of the new version to the standard it replaces. A
    standard is met when its own code or its predecessor's is among ``evidence_codes``.
    """
    evidence = set(evidence_codes)
    return {
        code
        for code, predecessor in predecessors.items()
        if code in evidence or (predecessor is not None and predecessor in evidence)
    }
