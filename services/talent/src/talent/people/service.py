"""Use cases of the people directory: importing HR extracts and reading people."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.http.pagination import PageParams, paginate
from shared.http.problems import FieldError, field_errors
from shared.reference.organisations import get_organisation
from shared.uow import UnitOfWork
from talent.people import domain
from talent.people.domain import PersonStatus, PublishedPerson
from talent.people.events import PersonChanged
from talent.people.extract import ExtractRecord
from talent.people.models import Person, PersonProtectedCharacteristics
from talent.people.schemas import PERSON_ID_PATTERN, ImportReport, PersonRow, RejectedRow

# Rows per SELECT ... IN and per multi-row INSERT: well under PostgreSQL's 32,767 bind
# parameters even at 14 columns a row.
_CHUNK = 2_000


@dataclass
class _Candidate:
    line: int
    row: PersonRow


@dataclass
class _Rejections:
    by_line: dict[int, RejectedRow] = field(default_factory=dict)

    def add(self, line: int, person_id: str | None, errors: Iterable[FieldError]) -> None:
        self.by_line[line] = RejectedRow(line=line, person_id=person_id, errors=list(errors))

    def sorted(self) -> list[RejectedRow]:
        return [self.by_line[line] for line in sorted(self.by_line)]


def _readable_person_id(values: dict[str, Any]) -> str | None:
    """The row's person_id for the report, only if it is one (never echo arbitrary input)."""
    value = values.get("person_id")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and re.fullmatch(PERSON_ID_PATTERN, value):
        return value
    return None


def _validate(records: Sequence[ExtractRecord], rejections: _Rejections) -> list[_Candidate]:
    candidates: list[_Candidate] = []
    first_line: dict[str, int] = {}
    for record in records:
        person_id = _readable_person_id(record.values)
        if record.unreadable is not None:
            rejections.add(record.line, None, [record.unreadable])
            continue
        try:
            row = PersonRow.model_validate(record.values)
        except ValidationError as exc:
            # field_errors reads only loc/msg/type: rejected values (which may be protected
            # characteristics) never reach the response.
            rejections.add(record.line, person_id, field_errors(exc.errors()))
            continue
        violations = domain.row_violations(
            person_id=row.person_id,
            line_manager_id=row.line_manager_id,
            status=row.status,
            start_date=row.start_date,
            left_on=row.left_on,
        )
        errors = [FieldError(path=v.field, message=v.message, type=v.type) for v in violations]
        if get_organisation(row.org_code) is None:
            errors.append(
                FieldError(
                    path="org_code",
                    message="is not a known NHS organisation (ODS code)",
                    type="unknown_organisation",
                )
            )
        if row.person_id in first_line:
            errors.append(
                FieldError(
                    path="person_id",
                    message=f"is already given on line {first_line[row.person_id]}",
                    type="duplicate",
                )
            )
        if errors:
            rejections.add(record.line, row.person_id, errors)
            continue
        first_line[row.person_id] = record.line
        candidates.append(_Candidate(record.line, row))
    return candidates


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


async def _lock_existing(session: AsyncSession, person_ids: Sequence[str]) -> dict[str, Person]:
    # FOR UPDATE: two imports touching the same people queue up instead of both deciding
    # "changed" from the same old state and publishing the same change twice.
    found: dict[str, Person] = {}
    for chunk in _chunks(person_ids):
        result = await session.scalars(
            select(Person).where(Person.person_id.in_(chunk)).with_for_update()
        )
        found.update({person.person_id: person for person in result})
    return found


async def _active_reports_of(
    session: AsyncSession, manager_ids: Sequence[str], *, excluding: set[str]
) -> set[str]:
    """Managers (of ``manager_ids``) with an active direct report not in this import."""
    managers: set[str] = set()
    for chunk in _chunks(manager_ids):
        result = await session.execute(
            select(Person.line_manager_id, Person.person_id).where(
                Person.line_manager_id.in_(chunk), Person.status == PersonStatus.ACTIVE
            )
        )
        managers.update(
            manager for manager, report in result if report not in excluding and manager
        )
    return managers


def _published(person: Person) -> PublishedPerson:
    return PublishedPerson(
        org_code=person.org_code,
        staff_group=domain.StaffGroup(person.staff_group),
        band=domain.Band(person.band),
        job_title=person.job_title,
        line_manager_id=person.line_manager_id,
        is_line_manager=person.is_line_manager,
        start_date=person.start_date,
        status=PersonStatus(person.status),
        left_on=person.left_on,
    )


@dataclass
class _Plan:
    """The writes one import makes, decided before any of them is made."""

    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    events: list[PersonChanged] = field(default_factory=list)
    written: set[str] = field(default_factory=set)


def _within_reach(
    candidates: Sequence[_Candidate], reaches: Callable[[str], bool], rejections: _Rejections
) -> list[_Candidate]:
    kept: list[_Candidate] = []
    for candidate in candidates:
        if reaches(candidate.row.org_code):
            kept.append(candidate)
            continue
        error = FieldError(
            path="org_code", message="is outside this token's reach", type="out_of_reach"
        )
        rejections.add(candidate.line, candidate.row.person_id, [error])
    return kept


def _overwritable(
    candidates: Sequence[_Candidate],
    existing: dict[str, Person],
    reaches: Callable[[str], bool],
    rejections: _Rejections,
) -> list[_Candidate]:
    kept: list[_Candidate] = []
    for candidate in candidates:
        recorded = existing.get(candidate.row.person_id)
        if recorded is None or domain.may_overwrite(
            recorded_org_code=recorded.org_code,
            recorded_status=PersonStatus(recorded.status),
            reaches=reaches,
        ):
            kept.append(candidate)
            continue
        error = FieldError(
            path="person_id",
            message="is recorded as a current employee of an organisation outside this "
            "token's reach; that organisation must record them as a leaver first",
            type="out_of_reach",
        )
        rejections.add(candidate.line, candidate.row.person_id, [error])
    return kept


def _plan(
    candidates: Sequence[_Candidate],
    existing: dict[str, Person],
    line_managers: set[str],
    now: datetime,
) -> _Plan:
    plan = _Plan()
    for candidate in candidates:
        row = candidate.row
        after = PublishedPerson(
            org_code=row.org_code,
            staff_group=row.staff_group,
            band=row.band,
            job_title=row.job_title,
            line_manager_id=row.line_manager_id,
            is_line_manager=(
                row.is_line_manager
                if row.is_line_manager is not None
                else row.person_id in line_managers
            ),
            start_date=row.start_date,
            status=row.status,
            left_on=row.left_on,
        )
        published = {name: getattr(after, name) for name in domain.PUBLISHED_FIELDS}
        values = {
            "person_id": row.person_id,
            **published,
            "professional_registration": row.professional_registration,
            "updated_at": now,
        }
        recorded = existing.get(row.person_id)
        if recorded is None:
            directory_id = uuid.uuid4()
            version, changed = 1, domain.changed_fields(None, after)
            plan.inserts.append({**values, "id": directory_id, "version": 1, "created_at": now})
        else:
            directory_id, version = recorded.id, recorded.version + 1
            changed = domain.changed_fields(_published(recorded), after)
            if not changed and recorded.professional_registration == row.professional_registration:
                continue
            plan.updates.append({**values, "version": version})
        plan.written.add(row.person_id)
        if changed:
            plan.events.append(
                PersonChanged(
                    person_id=row.person_id,
                    directory_id=directory_id,
                    version=version,
                    changed_fields=list(changed),
                    **published,
                )
            )
    return plan


async def import_people(
    *,
    uow: UnitOfWork,
    records: Sequence[ExtractRecord],
    reaches: Callable[[str], bool],
) -> ImportReport:
    """Upsert every valid row of an extract in the unit of work's transaction.

    Each row stands alone: an invalid row, or one the caller may not write, is reported with
    its line and skipped; the others are applied. Only a change to a published field emits
    ``person.changed``; the caller commits.
    """
    session = uow.session
    rejections = _Rejections()
    candidates = _within_reach(_validate(records, rejections), reaches, rejections)
    existing = await _lock_existing(session, [c.row.person_id for c in candidates])
    candidates = _overwritable(candidates, existing, reaches, rejections)
    line_managers = await _derived_line_managers(session, candidates)
    now = datetime.now(UTC)
    plan = _plan(candidates, existing, line_managers, now)

    for chunk in _chunks(plan.inserts):
        await session.execute(insert(Person), list(chunk))
    if plan.updates:
        # ORM bulk UPDATE by primary key: one executemany for every changed person.
        await session.execute(update(Person), plan.updates)
    characteristics_changed = await _record_protected_characteristics(session, candidates, now)
    for chunk in _chunks(plan.events):
        await uow.publish_many(list(chunk))

    created = len(plan.inserts)
    updated = len(plan.updates) + len(characteristics_changed - plan.written)
    rejected = rejections.sorted()
    return ImportReport(
        rows=len(records),
        created=created,
        updated=updated,
        unchanged=len(candidates) - created - updated,
        rejected=len(rejected),
        events_published=len(plan.events),
        rejections=rejected,
    )


async def _derived_line_managers(
    session: AsyncSession, candidates: Sequence[_Candidate]
) -> set[str]:
    """Who manages someone once this import is applied, for rows that leave the flag out."""
    undecided = [c.row.person_id for c in candidates if c.row.is_line_manager is None]
    if not undecided:
        return set()
    named_here = {
        c.row.line_manager_id
        for c in candidates
        if c.row.line_manager_id is not None and c.row.status is PersonStatus.ACTIVE
    }
    in_import = {c.row.person_id for c in candidates}
    named_before = await _active_reports_of(session, undecided, excluding=in_import)
    return (named_here | named_before) & set(undecided)


async def _record_protected_characteristics(
    session: AsyncSession, candidates: Sequence[_Candidate], now: datetime
) -> set[str]:
    """Upsert the characteristics rows give; the person ids whose record changed."""
    given = {
        c.row.person_id: c.row.protected_characteristics
        for c in candidates
        if c.row.protected_characteristics
    }
    if not given:
        return set()
    recorded: dict[str, PersonProtectedCharacteristics] = {}
    for chunk in _chunks(list(given)):
        result = await session.scalars(
            select(PersonProtectedCharacteristics)
            .where(PersonProtectedCharacteristics.person_id.in_(chunk))
            .with_for_update()
        )
        recorded.update({row.person_id: row for row in result})
    changed: dict[frozenset[str], list[dict[str, str]]] = {}
    for person_id, values in given.items():
        current = recorded.get(person_id)
        if current is not None and all(getattr(current, k) == v for k, v in values.items()):
            continue
        # Rows of one multi-row INSERT need the same columns, so group by what was given.
        changed.setdefault(frozenset(values), []).append({"person_id": person_id, **values})
    characteristics = PersonProtectedCharacteristics
    for columns, rows in changed.items():
        for chunk in _chunks(rows):
            statement = pg_insert(characteristics).values(
                [{**row, "updated_at": now} for row in chunk]
            )
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=[characteristics.person_id],
                    set_={name: statement.excluded[name] for name in [*columns, "updated_at"]},
                )
            )
    return {row["person_id"] for rows in changed.values() for row in rows}


async def get_person(*, session: AsyncSession, person_id: str) -> Person | None:
    return await session.get(Person, person_id)


async def list_people(
    *,
    session: AsyncSession,
    visible_orgs: frozenset[str] | None,
    org_code: str | None,
    status: PersonStatus | None,
    page: PageParams,
) -> list[Person]:
    stmt = select(Person)
    if visible_orgs is not None:
        stmt = stmt.where(Person.org_code.in_(sorted(visible_orgs)))
    if org_code is not None:
        stmt = stmt.where(Person.org_code == org_code)
    if status is not None:
        stmt = stmt.where(Person.status == status)
    stmt = paginate(stmt, sort_column=Person.person_id, id_column=Person.id, params=page)
    return list(await session.scalars(stmt))
