"""Use cases of the talent profile: applying consumed events, and reading a profile.

The ``record_*`` functions run inside the consumer's inbox transaction (they never commit), so
the effect of an event and the note that it was handled are stored together or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    Table,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.cloudevents import Envelope
from talent.db import Base
from talent.profiles import domain
from talent.profiles.domain import AppraisalState, CredentialState, DeterminationState, EventOutcome
from talent.profiles.events import (
    AppraisalCompleted,
    AppraisalReopened,
    ComplianceChanged,
    CredentialRevoked,
    EligibilityChanged,
    FitAndProperAssessed,
    NedAppointed,
    NedTermEnded,
    TrainingAccredited,
)
from talent.profiles.models import (
    ProfileAppraisal,
    ProfileBoardRole,
    ProfileCompliance,
    ProfileCredential,
    ProfileEligibility,
    ProfileEvent,
    ProfileFitAndProper,
    TalentProfile,
)


async def _locked_profile(session: AsyncSession, person_id: str) -> TalentProfile:
    # Create-if-missing then lock: two handlers for one person (e.g. during a rebalance, when
    # two consumers briefly hold the same partition) apply one after the other.
    # Several events may be applied in one transaction (the consumer batches a run of one
    # type), and the session does not autoflush: what the previous event changed must reach
    # the database before this one reads it, or the reload below would undo it.
    await session.flush()
    await session.execute(
        pg_insert(TalentProfile)
        .values(person_id=person_id, version=0)
        .on_conflict_do_nothing(index_elements=[TalentProfile.person_id])
    )
    result = await session.scalars(
        select(TalentProfile)
        .where(TalentProfile.person_id == person_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return result.one()


def _note(
    session: AsyncSession,
    profile: TalentProfile,
    envelope: Envelope,
    outcome: EventOutcome,
    *,
    org_code: str | None = None,
) -> None:
    session.add(
        ProfileEvent(
            person_id=profile.person_id,
            event_id=envelope.id,
            event_source=envelope.source,
            event_type=envelope.type,
            event_time=envelope.time,
            outcome=outcome,
        )
    )
    if outcome is EventOutcome.APPLIED:
        profile.version += 1
        profile.updated_at = datetime.now(UTC)
        if org_code is not None:
            profile.org_code = org_code


def _credential_state(credential: ProfileCredential | None) -> CredentialState | None:
    if credential is None:
        return None
    return CredentialState(
        person_id=credential.person_id,
        awarded_at=credential.awarded_at,
        revoked_at=credential.revoked_at,
    )


def _appraisal_state(appraisal: ProfileAppraisal | None) -> AppraisalState | None:
    if appraisal is None:
        return None
    return AppraisalState(
        person_id=appraisal.person_id,
        completed_at=appraisal.completed_at,
        reopened_at=appraisal.reopened_at,
    )


async def record_accreditation(
    *, session: AsyncSession, envelope: Envelope, event: TrainingAccredited
) -> EventOutcome:
    profile = await _locked_profile(session, event.person_id)
    credential = await session.get(ProfileCredential, event.credential_id, with_for_update=True)
    outcome = domain.accreditation_outcome(_credential_state(credential), person_id=event.person_id)
    if outcome is EventOutcome.APPLIED:
        if credential is None:
            credential = ProfileCredential(
                credential_id=event.credential_id, person_id=event.person_id
            )
            session.add(credential)
        credential.record_id = event.record_id
        credential.org_code = event.org_code
        credential.programme_code = event.programme_code
        credential.standards = list(event.standards)
        credential.levels = list(event.levels)
        credential.awarded_at = event.awarded_at
        credential.expires_at = event.expires_at
    _note(session, profile, envelope, outcome, org_code=event.org_code)
    return outcome


async def record_revocation(
    *, session: AsyncSession, envelope: Envelope, event: CredentialRevoked
) -> EventOutcome:
    profile = await _locked_profile(session, event.person_id)
    credential = await session.get(ProfileCredential, event.credential_id, with_for_update=True)
    outcome = domain.revocation_outcome(_credential_state(credential), person_id=event.person_id)
    if outcome is EventOutcome.APPLIED:
        if credential is None:
            credential = ProfileCredential(
                credential_id=event.credential_id,
                person_id=event.person_id,
                standards=[],
                levels=[],
            )
            session.add(credential)
        credential.revoked_at = event.revoked_at
        credential.revocation_reason_code = event.reason_code
    _note(session, profile, envelope, outcome)
    return outcome


async def record_appraisal_completed(
    *, session: AsyncSession, envelope: Envelope, event: AppraisalCompleted
) -> EventOutcome:
    profile = await _locked_profile(session, event.person_id)
    appraisal = await session.get(ProfileAppraisal, event.appraisal_id, with_for_update=True)
    outcome = domain.completion_outcome(
        _appraisal_state(appraisal), person_id=event.person_id, completed_at=event.completed_at
    )
    if outcome is EventOutcome.APPLIED:
        if appraisal is None:
            appraisal = ProfileAppraisal(appraisal_id=event.appraisal_id, person_id=event.person_id)
            session.add(appraisal)
        appraisal.org_code = event.org_code
        appraisal.cycle_year = event.cycle_year
        appraisal.template_version = event.template_version
        appraisal.performance_outcome = event.performance_outcome
        appraisal.behaviour_outcome = event.behaviour_outcome
        appraisal.aspirations = (
            event.aspirations.model_dump(mode="json") if event.aspirations is not None else None
        )
        appraisal.development_programme_codes = list(event.development_programme_codes)
        appraisal.completed_at = event.completed_at
        # Completing again after a reopen closes that reopening.
        appraisal.reopened_at = None
        appraisal.reopen_reason_code = None
    _note(session, profile, envelope, outcome, org_code=event.org_code)
    return outcome


async def record_appraisal_reopened(
    *, session: AsyncSession, envelope: Envelope, event: AppraisalReopened
) -> EventOutcome:
    profile = await _locked_profile(session, event.person_id)
    appraisal = await session.get(ProfileAppraisal, event.appraisal_id, with_for_update=True)
    outcome = domain.reopen_outcome(
        _appraisal_state(appraisal), person_id=event.person_id, reopened_at=event.reopened_at
    )
    if outcome is EventOutcome.APPLIED and appraisal is not None:
        appraisal.reopened_at = event.reopened_at
        appraisal.reopen_reason_code = event.reason_code
    _note(session, profile, envelope, outcome)
    return outcome


async def record_eligibility(
    *, session: AsyncSession, envelope: Envelope, event: EligibilityChanged
) -> EventOutcome:
    profile = await _locked_profile(session, event.person_id)
    recorded = await session.get(
        ProfileEligibility, (event.person_id, event.level), with_for_update=True
    )
    state = (
        DeterminationState(recorded.determination_id, recorded.as_of)
        if recorded is not None
        else None
    )
    outcome = domain.determination_outcome(
        state, determination_id=event.determination_id, as_of=event.as_of
    )
    if outcome is EventOutcome.APPLIED:
        if recorded is None:
            recorded = ProfileEligibility(person_id=event.person_id, level=event.level)
            session.add(recorded)
        recorded.determination_id = event.determination_id
        recorded.org_code = event.org_code
        recorded.eligible = event.eligible
        recorded.met_requirement_ids = list(event.met_requirement_ids)
        recorded.unmet_requirement_ids = list(event.unmet_requirement_ids)
        recorded.unmet_detail = {
            item.requirement_id: {
                "standards": list(item.standards),
                "programmes": list(item.programmes),
            }
            for item in event.unmet_requirements
        }
        recorded.evidence_credential_ids = list(event.evidence_credential_ids)
        recorded.policy_version = event.policy_version
        recorded.as_of = event.as_of
    _note(session, profile, envelope, outcome, org_code=event.org_code)
    return outcome


async def record_compliance(
    *, session: AsyncSession, envelope: Envelope, event: ComplianceChanged
) -> EventOutcome:
    profile = await _locked_profile(session, event.person_id)
    recorded = await session.get(ProfileCompliance, event.person_id, with_for_update=True)
    state = (
        DeterminationState(recorded.determination_id, recorded.as_of)
        if recorded is not None
        else None
    )
    outcome = domain.determination_outcome(
        state, determination_id=event.determination_id, as_of=event.as_of
    )
    if outcome is EventOutcome.APPLIED:
        if recorded is None:
            recorded = ProfileCompliance(person_id=event.person_id)
            session.add(recorded)
        recorded.determination_id = event.determination_id
        recorded.org_code = event.org_code
        recorded.statutory_mandatory_complete = event.statutory_mandatory_complete
        recorded.overdue_programme_codes = list(event.overdue_programme_codes)
        recorded.expired_programme_codes = list(event.expired_programme_codes)
        recorded.expiring_programme_codes = list(event.expiring_programme_codes)
        recorded.as_of = event.as_of
    _note(session, profile, envelope, outcome, org_code=event.org_code)
    return outcome


async def record_appointment(
    *, session: AsyncSession, envelope: Envelope, event: NedAppointed
) -> EventOutcome:
    profile = await _locked_profile(session, event.person_id)
    role = await session.get(ProfileBoardRole, event.appointment_id, with_for_update=True)
    outcome = domain.appointment_outcome(
        role.person_id if role is not None else None,
        person_id=event.person_id,
        recorded_appointed=role is not None and role.appointed_at is not None,
    )
    if outcome is EventOutcome.APPLIED:
        if role is None:
            role = ProfileBoardRole(appointment_id=event.appointment_id, person_id=event.person_id)
            session.add(role)
        role.org_code = event.org_code
        role.seat_id = event.seat_id
        role.seat_role = event.seat_role
        role.term_start = event.term_start
        role.term_end = event.term_end
        role.term_number = event.term_number
        role.appointing_body = event.appointing_body
        role.appointed_at = event.appointed_at or envelope.time
    _note(session, profile, envelope, outcome, org_code=event.org_code)
    return outcome


async def record_term_end(
    *, session: AsyncSession, envelope: Envelope, event: NedTermEnded
) -> EventOutcome:
    profile = await _locked_profile(session, event.person_id)
    role = await session.get(ProfileBoardRole, event.appointment_id, with_for_update=True)
    outcome = domain.term_end_outcome(
        role.person_id if role is not None else None,
        person_id=event.person_id,
        recorded_ended_on=role.ended_on if role is not None else None,
    )
    if outcome is EventOutcome.APPLIED:
        if role is None:
            role = ProfileBoardRole(
                appointment_id=event.appointment_id,
                person_id=event.person_id,
                org_code=event.org_code,
                seat_id=event.seat_id,
                seat_role=event.seat_role,
                term_start=event.term_start,
                term_end=event.term_end,
                term_number=event.term_number,
            )
            session.add(role)
        role.ended_on = event.ended_on
        role.end_reason_code = event.reason_code
    _note(session, profile, envelope, outcome)
    return outcome


async def record_fit_and_proper(
    *, session: AsyncSession, envelope: Envelope, event: FitAndProperAssessed
) -> EventOutcome:
    profile = await _locked_profile(session, event.person_id)
    recorded = await session.get(ProfileFitAndProper, event.assessment_id, with_for_update=True)
    outcome = domain.once_per_id_outcome(
        recorded.person_id if recorded is not None else None, person_id=event.person_id
    )
    if outcome is EventOutcome.APPLIED:
        session.add(
            ProfileFitAndProper(
                assessment_id=event.assessment_id,
                person_id=event.person_id,
                org_code=event.org_code,
                kind=event.kind,
                outcome=event.outcome,
                assessed_at=event.assessed_at,
                signed_off_by_role=event.signed_off_by_role,
            )
        )
    _note(session, profile, envelope, outcome, org_code=event.org_code)
    return outcome


# ---- runs of events, set-based ---------------------------------------------------------------
#
# The consumer hands a run of consecutive events of one type to a batch handler. The functions
# below give exactly the effect of the ``record_*`` functions applied one by one, in order, but
# with a handful of statements per run instead of several per event: the run's profiles are
# created and locked in person_id order, the rows the run touches are read in one SELECT, each
# event is decided in order in Python by the same pure rules (against the state left by the
# events before it), and the result is written with one multi-row upsert per table, one
# profile_events INSERT and one version bump per profile. Each returns the persons whose profile
# an event changed, for one readiness recompute of them all.

Row = dict[str, Any]


@dataclass
class _RunNotes:
    """What a run did to the profiles: the audit rows and, per person, the applied changes."""

    events: list[Row] = field(default_factory=list)
    applied: dict[str, int] = field(default_factory=dict)
    org_codes: dict[str, str] = field(default_factory=dict)

    def note(
        self,
        person_id: str,
        envelope: Envelope,
        outcome: EventOutcome,
        *,
        org_code: str | None = None,
    ) -> None:
        self.events.append(
            {
                "person_id": person_id,
                "event_id": envelope.id,
                "event_source": envelope.source,
                "event_type": envelope.type,
                "event_time": envelope.time,
                "outcome": outcome.value,
            }
        )
        if outcome is EventOutcome.APPLIED:
            self.applied[person_id] = self.applied.get(person_id, 0) + 1
            # As in _note: the latest applied event that names an organisation sets it.
            if org_code is not None:
                self.org_codes[person_id] = org_code


# Created if missing, then locked, in person_id order: two transactions sharing profiles queue
# instead of deadlocking. The SELECT cannot see the rows its own INSERT adds (one snapshot), but
# those are already held by this transaction until it ends.
_CREATE_AND_LOCK_PROFILES = text(
    """
    WITH created AS (
        INSERT INTO talent_profiles (person_id, version)
        SELECT person_id, 0 FROM unnest(CAST(:ids AS text[])) AS person_id ORDER BY person_id
        ON CONFLICT (person_id) DO NOTHING
    )
    SELECT person_id FROM talent_profiles
    WHERE person_id = ANY(CAST(:ids AS text[]))
    ORDER BY person_id
    FOR UPDATE
    """
)


async def _lock_profiles(session: AsyncSession, person_ids: set[str]) -> None:
    # Pending ORM changes (an earlier run of this transaction applied one by one) first, so the
    # reads below see them.
    await session.flush()
    await session.execute(_CREATE_AND_LOCK_PROFILES, {"ids": sorted(person_ids)})


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


async def _load(session: AsyncSession, model: type[Base], keys: set[Any]) -> dict[Any, Row]:
    """The existing rows of ``model`` with these primary keys (tuples for composite keys)."""
    table = _table(model)
    primary = list(table.primary_key.columns)
    if len(primary) == 1:
        condition = primary[0].in_(sorted(keys))
    else:
        condition = tuple_(*primary).in_(sorted(keys))
    rows = await session.execute(
        select(table).where(condition).order_by(*primary).with_for_update()
    )
    loaded: dict[Any, Row] = {}
    for row in rows.mappings():
        values = dict(row)
        key = (
            values[primary[0].name] if len(primary) == 1 else tuple(values[c.name] for c in primary)
        )
        loaded[key] = values
    return loaded


def _blank(model: type[Base], **values: Any) -> Row:
    """A new row: every column None (as an ORM object not yet given a value), then ``values``."""
    row: Row = {column.name: None for column in _table(model).columns}
    row.update(values)
    return row


@dataclass(frozen=True)
class _Upsert:
    statement: Any
    columns: list[Column[Any]]


_UPSERTS: dict[str, _Upsert] = {}


def _array_type(column: Column[Any]) -> str:
    """How one column travels in the unnest: a PostgreSQL array of this element type."""
    column_type = column.type
    if isinstance(column_type, ARRAY | JSONB):
        # Per-row lists travel as array literals and documents as JSON, both text (unnest
        # cannot take an array of arrays of different lengths).
        return "text"
    if isinstance(column_type, DateTime):
        return "timestamptz"
    if isinstance(column_type, Date):
        return "date"
    if isinstance(column_type, Boolean):
        return "boolean"
    if isinstance(column_type, Integer):
        return "bigint"
    return "text"


def _value_expression(column: Column[Any]) -> str:
    name = f"u.{column.name}"
    if isinstance(column.type, JSONB):
        return f"CAST({name} AS jsonb)"
    if isinstance(column.type, ARRAY):
        return f"CAST({name} AS text[])"
    return name


def _upsert_statement(table: Table) -> _Upsert:
    # One INSERT ... SELECT FROM unnest per run, whatever its number of rows: every column's
    # values travel as one array, so the statement text (and its prepared plan) stays the same.
    upsert = _UPSERTS.get(table.name)
    if upsert is None:
        columns = list(table.columns)
        primary = [column.name for column in table.primary_key.columns]
        names = ", ".join(column.name for column in columns)
        arrays = ", ".join(f"CAST(:{column.name} AS {_array_type(column)}[])" for column in columns)
        values = ", ".join(_value_expression(column) for column in columns)
        updates = ", ".join(
            f"{column.name} = EXCLUDED.{column.name}"
            for column in columns
            if column.name not in primary
        )
        statement = text(
            f"INSERT INTO {table.name} ({names}) SELECT {values}"
            f" FROM unnest({arrays}) AS u({names})"
            f" ON CONFLICT ({', '.join(primary)}) DO UPDATE SET {updates}"
        )
        upsert = _Upsert(statement, columns)
        _UPSERTS[table.name] = upsert
    return upsert


def _array_literal(values: list[str]) -> str:
    """``values`` as a PostgreSQL text[] literal: every element quoted, \\ and " escaped."""
    quoted = ('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values)
    return "{" + ",".join(quoted) + "}"


def _travelling(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, ARRAY):
        return _array_literal(value)
    if isinstance(column.type, JSONB):
        return json.dumps(value)
    return value


async def _upsert(session: AsyncSession, model: type[Base], rows: list[Row]) -> None:
    """Write whole rows: inserted when new, every column replaced when already there."""
    if not rows:
        return
    upsert = _upsert_statement(_table(model))
    await session.execute(
        upsert.statement,
        {
            column.name: [_travelling(column, row[column.name]) for row in rows]
            for column in upsert.columns
        },
    )


# The run's audit rows, in event order, and one version bump per profile an event changed.
_NOTE_RUN = text(
    """
    WITH noted AS (
        INSERT INTO profile_events
            (person_id, event_id, event_source, event_type, event_time, outcome)
        SELECT person_id, event_id, event_source, event_type, event_time, outcome
        FROM unnest(
            CAST(:person_ids AS text[]), CAST(:event_ids AS text[]), CAST(:sources AS text[]),
            CAST(:types AS text[]), CAST(:times AS timestamptz[]), CAST(:outcomes AS text[])
        ) WITH ORDINALITY
            AS e(person_id, event_id, event_source, event_type, event_time, outcome, position)
        ORDER BY position
    )
    UPDATE talent_profiles AS p
    SET version = p.version + u.applied, updated_at = :now,
        org_code = COALESCE(u.org_code, p.org_code)
    FROM unnest(CAST(:ids AS text[]), CAST(:applied AS int[]), CAST(:org_codes AS text[]))
        AS u(person_id, applied, org_code)
    WHERE p.person_id = u.person_id
    """
)


async def _finish_run(session: AsyncSession, notes: _RunNotes) -> set[str]:
    ids = sorted(notes.applied)
    events = notes.events
    await session.execute(
        _NOTE_RUN,
        {
            "person_ids": [e["person_id"] for e in events],
            "event_ids": [e["event_id"] for e in events],
            "sources": [e["event_source"] for e in events],
            "types": [e["event_type"] for e in events],
            "times": [e["event_time"] for e in events],
            "outcomes": [e["outcome"] for e in events],
            "ids": ids,
            "applied": [notes.applied[i] for i in ids],
            "org_codes": [notes.org_codes.get(i) for i in ids],
            "now": datetime.now(UTC),
        },
    )
    # The rows written here bypassed the ORM: objects an earlier single-event run left in the
    # identity map would be stale for a later one in this transaction, so none are kept.
    session.expunge_all()
    return set(notes.applied)


def _row_credential_state(row: Row | None) -> CredentialState | None:
    if row is None:
        return None
    return CredentialState(
        person_id=row["person_id"], awarded_at=row["awarded_at"], revoked_at=row["revoked_at"]
    )


def _row_appraisal_state(row: Row | None) -> AppraisalState | None:
    if row is None:
        return None
    return AppraisalState(
        person_id=row["person_id"],
        completed_at=row["completed_at"],
        reopened_at=row["reopened_at"],
    )


def _row_determination_state(row: Row | None) -> DeterminationState | None:
    if row is None:
        return None
    return DeterminationState(row["determination_id"], row["as_of"])


async def record_accreditations(
    *, session: AsyncSession, items: Sequence[tuple[Envelope, TrainingAccredited]]
) -> set[str]:
    """``record_accreditation`` for a run of events; the persons whose profile changed."""
    await _lock_profiles(session, {event.person_id for _, event in items})
    credentials = await _load(session, ProfileCredential, {e.credential_id for _, e in items})
    touched: dict[str, Row] = {}
    notes = _RunNotes()
    for envelope, event in items:
        row = credentials.get(event.credential_id)
        outcome = domain.accreditation_outcome(
            _row_credential_state(row), person_id=event.person_id
        )
        if outcome is EventOutcome.APPLIED:
            if row is None:
                row = _blank(
                    ProfileCredential, credential_id=event.credential_id, person_id=event.person_id
                )
                credentials[event.credential_id] = row
            row.update(
                record_id=event.record_id,
                org_code=event.org_code,
                programme_code=event.programme_code,
                standards=list(event.standards),
                levels=list(event.levels),
                awarded_at=event.awarded_at,
                expires_at=event.expires_at,
            )
            touched[event.credential_id] = row
        notes.note(event.person_id, envelope, outcome, org_code=event.org_code)
    await _upsert(session, ProfileCredential, [touched[k] for k in sorted(touched)])
    return await _finish_run(session, notes)


async def record_revocations(
    *, session: AsyncSession, items: Sequence[tuple[Envelope, CredentialRevoked]]
) -> set[str]:
    """``record_revocation`` for a run of events; the persons whose profile changed."""
    await _lock_profiles(session, {event.person_id for _, event in items})
    credentials = await _load(session, ProfileCredential, {e.credential_id for _, e in items})
    touched: dict[str, Row] = {}
    notes = _RunNotes()
    for envelope, event in items:
        row = credentials.get(event.credential_id)
        outcome = domain.revocation_outcome(_row_credential_state(row), person_id=event.person_id)
        if outcome is EventOutcome.APPLIED:
            if row is None:
                row = _blank(
                    ProfileCredential,
                    credential_id=event.credential_id,
                    person_id=event.person_id,
                    standards=[],
                    levels=[],
                )
                credentials[event.credential_id] = row
            row.update(revoked_at=event.revoked_at, revocation_reason_code=event.reason_code)
            touched[event.credential_id] = row
        notes.note(event.person_id, envelope, outcome)
    await _upsert(session, ProfileCredential, [touched[k] for k in sorted(touched)])
    return await _finish_run(session, notes)


async def record_appraisals_completed(
    *, session: AsyncSession, items: Sequence[tuple[Envelope, AppraisalCompleted]]
) -> set[str]:
    """``record_appraisal_completed`` for a run of events; the persons whose profile changed."""
    await _lock_profiles(session, {event.person_id for _, event in items})
    appraisals = await _load(session, ProfileAppraisal, {e.appraisal_id for _, e in items})
    touched: dict[str, Row] = {}
    notes = _RunNotes()
    for envelope, event in items:
        row = appraisals.get(event.appraisal_id)
        outcome = domain.completion_outcome(
            _row_appraisal_state(row), person_id=event.person_id, completed_at=event.completed_at
        )
        if outcome is EventOutcome.APPLIED:
            if row is None:
                row = _blank(
                    ProfileAppraisal, appraisal_id=event.appraisal_id, person_id=event.person_id
                )
                appraisals[event.appraisal_id] = row
            row.update(
                org_code=event.org_code,
                cycle_year=event.cycle_year,
                template_version=event.template_version,
                performance_outcome=event.performance_outcome,
                behaviour_outcome=event.behaviour_outcome,
                aspirations=(
                    event.aspirations.model_dump(mode="json")
                    if event.aspirations is not None
                    else None
                ),
                development_programme_codes=list(event.development_programme_codes),
                completed_at=event.completed_at,
                # Completing again after a reopen closes that reopening.
                reopened_at=None,
                reopen_reason_code=None,
            )
            touched[event.appraisal_id] = row
        notes.note(event.person_id, envelope, outcome, org_code=event.org_code)
    await _upsert(session, ProfileAppraisal, [touched[k] for k in sorted(touched)])
    return await _finish_run(session, notes)


async def record_appraisals_reopened(
    *, session: AsyncSession, items: Sequence[tuple[Envelope, AppraisalReopened]]
) -> set[str]:
    """``record_appraisal_reopened`` for a run of events; the persons whose profile changed."""
    await _lock_profiles(session, {event.person_id for _, event in items})
    appraisals = await _load(session, ProfileAppraisal, {e.appraisal_id for _, e in items})
    touched: dict[str, Row] = {}
    notes = _RunNotes()
    for envelope, event in items:
        row = appraisals.get(event.appraisal_id)
        outcome = domain.reopen_outcome(
            _row_appraisal_state(row), person_id=event.person_id, reopened_at=event.reopened_at
        )
        if outcome is EventOutcome.APPLIED and row is not None:
            row.update(reopened_at=event.reopened_at, reopen_reason_code=event.reason_code)
            touched[event.appraisal_id] = row
        notes.note(event.person_id, envelope, outcome)
    await _upsert(session, ProfileAppraisal, [touched[k] for k in sorted(touched)])
    return await _finish_run(session, notes)


async def record_eligibilities(
    *, session: AsyncSession, items: Sequence[tuple[Envelope, EligibilityChanged]]
) -> set[str]:
    """``record_eligibility`` for a run of events; the persons whose profile changed."""
    await _lock_profiles(session, {event.person_id for _, event in items})
    recorded = await _load(session, ProfileEligibility, {(e.person_id, e.level) for _, e in items})
    touched: dict[tuple[str, str], Row] = {}
    notes = _RunNotes()
    for envelope, event in items:
        key = (event.person_id, event.level)
        row = recorded.get(key)
        outcome = domain.determination_outcome(
            _row_determination_state(row),
            determination_id=event.determination_id,
            as_of=event.as_of,
        )
        if outcome is EventOutcome.APPLIED:
            if row is None:
                row = _blank(ProfileEligibility, person_id=event.person_id, level=event.level)
                recorded[key] = row
            row.update(
                determination_id=event.determination_id,
                org_code=event.org_code,
                eligible=event.eligible,
                met_requirement_ids=list(event.met_requirement_ids),
                unmet_requirement_ids=list(event.unmet_requirement_ids),
                unmet_detail={
                    item.requirement_id: {
                        "standards": list(item.standards),
                        "programmes": list(item.programmes),
                    }
                    for item in event.unmet_requirements
                },
                evidence_credential_ids=list(event.evidence_credential_ids),
                policy_version=event.policy_version,
                as_of=event.as_of,
            )
            touched[key] = row
        notes.note(event.person_id, envelope, outcome, org_code=event.org_code)
    await _upsert(session, ProfileEligibility, [touched[k] for k in sorted(touched)])
    return await _finish_run(session, notes)


async def record_compliances(
    *, session: AsyncSession, items: Sequence[tuple[Envelope, ComplianceChanged]]
) -> set[str]:
    """``record_compliance`` for a run of events; the persons whose profile changed."""
    await _lock_profiles(session, {event.person_id for _, event in items})
    recorded = await _load(session, ProfileCompliance, {e.person_id for _, e in items})
    touched: dict[str, Row] = {}
    notes = _RunNotes()
    for envelope, event in items:
        row = recorded.get(event.person_id)
        outcome = domain.determination_outcome(
            _row_determination_state(row),
            determination_id=event.determination_id,
            as_of=event.as_of,
        )
        if outcome is EventOutcome.APPLIED:
            if row is None:
                row = _blank(ProfileCompliance, person_id=event.person_id)
                recorded[event.person_id] = row
            row.update(
                determination_id=event.determination_id,
                org_code=event.org_code,
                statutory_mandatory_complete=event.statutory_mandatory_complete,
                overdue_programme_codes=list(event.overdue_programme_codes),
                expired_programme_codes=list(event.expired_programme_codes),
                expiring_programme_codes=list(event.expiring_programme_codes),
                as_of=event.as_of,
            )
            touched[event.person_id] = row
        notes.note(event.person_id, envelope, outcome, org_code=event.org_code)
    await _upsert(session, ProfileCompliance, [touched[k] for k in sorted(touched)])
    return await _finish_run(session, notes)


@dataclass(frozen=True)
class ProfileView:
    person_id: str
    profile: TalentProfile | None
    credentials: list[ProfileCredential]
    latest_appraisal: ProfileAppraisal | None
    eligibility: list[ProfileEligibility]
    compliance: ProfileCompliance | None
    board_roles: list[ProfileBoardRole]
    latest_fit_and_proper: ProfileFitAndProper | None

    @property
    def version(self) -> int:
        return self.profile.version if self.profile is not None else 0


async def get_profile(*, session: AsyncSession, person_id: str) -> ProfileView:
    profile = await session.get(TalentProfile, person_id)
    credentials = await session.scalars(
        select(ProfileCredential)
        # A revocation that arrived before its award has nothing to show yet.
        .where(ProfileCredential.person_id == person_id, ProfileCredential.awarded_at.is_not(None))
        .order_by(ProfileCredential.awarded_at, ProfileCredential.credential_id)
    )
    latest = await session.scalars(
        select(ProfileAppraisal)
        .where(ProfileAppraisal.person_id == person_id)
        .order_by(ProfileAppraisal.completed_at.desc(), ProfileAppraisal.appraisal_id.desc())
        .limit(1)
    )
    eligibility = await session.scalars(
        select(ProfileEligibility)
        .where(ProfileEligibility.person_id == person_id)
        .order_by(ProfileEligibility.level)
    )
    compliance = await session.get(ProfileCompliance, person_id)
    board_roles = await session.scalars(
        select(ProfileBoardRole)
        .where(ProfileBoardRole.person_id == person_id)
        .order_by(ProfileBoardRole.term_start, ProfileBoardRole.appointment_id)
    )
    fppt = await session.scalars(
        select(ProfileFitAndProper)
        .where(ProfileFitAndProper.person_id == person_id)
        .order_by(ProfileFitAndProper.assessed_at.desc(), ProfileFitAndProper.assessment_id)
        .limit(1)
    )
    return ProfileView(
        person_id=person_id,
        profile=profile,
        credentials=list(credentials),
        latest_appraisal=latest.first(),
        eligibility=list(eligibility),
        compliance=compliance,
        board_roles=list(board_roles),
        latest_fit_and_proper=fppt.first(),
    )
