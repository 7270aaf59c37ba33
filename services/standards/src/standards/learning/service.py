import re
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.model import Event
from shared.http.auth import Principal
from shared.http.pagination import PageParams, paginate
from shared.http.problems import Conflict, FieldError, Forbidden, field_errors, invalid_input
from standards.compliance import service as compliance_service
from standards.eligibility import service as eligibility_service
from standards.identifiers import PERSON_ID_PATTERN
from standards.learning import domain
from standards.learning.events import TrainingAccredited, TrainingCompleted
from standards.learning.extract import UploadRow
from standards.learning.models import Credential, LearnerRecord
from standards.learning.schemas import (
    CompletionCreate,
    CompletionImportReport,
    CompletionRow,
    RejectedCompletion,
)
from standards.outbox import Publish
from standards.people import service as people_service
from standards.people.models import Person
from standards.programmes import service as programme_service
from standards.programmes.domain import Category, Level, ordered_levels
from standards.programmes.models import Programme
from standards.providers import service as provider_service
from standards.providers.domain import accreditation_day
from standards.providers.models import Provider

PublishMany = Callable[[Sequence[Event]], Awaitable[list[uuid.UUID]]]


async def record_completion(
    *,
    session: AsyncSession,
    publish: Publish,
    principal: Principal,
    person_id: str,
    completion: CompletionCreate,
    clock_skew: timedelta,
    now: datetime | None = None,
) -> LearnerRecord:
    """Record a completion; award a credential when an accredited provider delivered it.

    `training.completed` is always published, `training.accredited` with the credential, both
    in the caller's transaction.
    """
    now = now or datetime.now(UTC)
    try:
        # Checked before converting to UTC: at the edges of the calendar (year 1 at +14:00)
        # the conversion itself overflows.
        domain.check_completed_at(completion.completed_at, now=now, clock_skew=clock_skew)
    except domain.ImplausibleCompletion as exc:
        raise invalid_input("body.completed_at", str(exc)) from exc
    completed_at = completion.completed_at.astimezone(UTC)

    programme = await programme_service.get_programme(
        session=session, code=completion.programme_code
    )
    if programme is None:
        raise invalid_input(
            "body.programme_code", f"no programme has the code {completion.programme_code}"
        )

    org_code = completion.org_code
    if org_code is None:
        person = await people_service.get_person(session=session, person_id=person_id)
        if person is None:
            raise invalid_input(
                "body.org_code",
                "required: the person is not (yet) in this service's people directory, so their "
                "organisation is unknown",
                type="missing",
            )
        org_code = person.org_code
    if not principal.can_see_org(org_code):
        # Not naming it: the organisation may come from the directory, not from the caller.
        raise Forbidden(f"This token does not reach the organisation of {person_id}")

    accreditation = None
    if completion.provider_id is not None:
        provider = await provider_service.get_provider(
            session=session, provider_id=completion.provider_id
        )
        if provider is None:
            raise invalid_input(
                "body.provider_id", f"no provider has the id {completion.provider_id}"
            )
        accreditation = await provider_service.accreditation_in_force(
            session=session,
            provider_id=provider.id,
            programme_code=programme.code,
            day=accreditation_day(completed_at),
        )

    # ON CONFLICT: a completion reported twice (or twice at once) is one record and one 409.
    record_id = await session.scalar(
        insert(LearnerRecord)
        .values(
            id=uuid.uuid4(),
            person_id=person_id,
            org_code=org_code,
            programme_code=programme.code,
            provider_id=completion.provider_id,
            completed_at=completed_at,
            accredited=accreditation is not None,
            accreditation_id=accreditation.id if accreditation is not None else None,
            recorded_by=principal.subject,
            version=1,
        )
        .on_conflict_do_nothing(
            index_elements=[
                LearnerRecord.person_id,
                LearnerRecord.programme_code,
                LearnerRecord.completed_at,
            ]
        )
        .returning(LearnerRecord.id)
    )
    if record_id is None:
        existing = await session.scalar(
            select(LearnerRecord.id).where(
                LearnerRecord.person_id == person_id,
                LearnerRecord.programme_code == programme.code,
                LearnerRecord.completed_at == completed_at,
            )
        )
        raise Conflict(
            f"{person_id}'s completion of {programme.code} at {completed_at.isoformat()} "
            "is already recorded",
            record_id=existing,
        )
    record = await session.get(LearnerRecord, record_id)
    assert record is not None

    await publish(
        TrainingCompleted(
            record_id=record.id,
            person_id=person_id,
            org_code=org_code,
            programme_code=programme.code,
            category=Category(programme.category),
            completed_at=completed_at,
            accredited=record.accredited,
            provider_id=record.provider_id,
        )
    )
    if accreditation is not None:
        assert record.provider_id is not None
        credential = Credential(
            id=uuid.uuid4(),
            record_id=record.id,
            person_id=person_id,
            org_code=org_code,
            programme_code=programme.code,
            standards=[item.standard_code for item in programme.standards],
            levels=[level.value for level in ordered_levels(programme.levels)],
            awarded_at=now,
            expires_at=domain.credential_expiry(completed_at, programme.validity_months),
            status="active",
        )
        session.add(credential)
        record.credential = credential
        await session.flush()
        await publish(
            TrainingAccredited(
                record_id=record.id,
                credential_id=credential.id,
                person_id=person_id,
                org_code=org_code,
                programme_code=programme.code,
                standards=credential.standards,
                levels=ordered_levels(credential.levels),
                awarded_at=credential.awarded_at,
                expires_at=credential.expires_at,
                completed_at=completed_at,
                provider_id=record.provider_id,
            )
        )
        # A new credential may complete what a level requires.
        for changed in await eligibility_service.redetermine(
            session=session, person_ids=[person_id], as_of=now
        ):
            await publish(changed)
    # A completion may make the person compliant (or renew an expiring subject).
    await compliance_service.recompute_person_compliance(session, publish, person_id, now)
    return record


async def list_records(
    *,
    session: AsyncSession,
    person_id: str,
    reach: frozenset[str] | None,
    page: PageParams,
) -> Sequence[LearnerRecord]:
    """The person's records the caller may see (``reach`` None: all), newest completion first."""
    statement = select(LearnerRecord).where(LearnerRecord.person_id == person_id)
    if reach is not None:
        statement = statement.where(LearnerRecord.org_code.in_(reach))
    statement = paginate(
        statement,
        sort_column=LearnerRecord.completed_at,
        id_column=LearnerRecord.id,
        params=page,
        descending=True,
    )
    return (await session.scalars(statement)).all()


async def get_record(
    *, session: AsyncSession, person_id: str, record_id: uuid.UUID
) -> LearnerRecord | None:
    return await session.scalar(
        select(LearnerRecord).where(
            LearnerRecord.id == record_id, LearnerRecord.person_id == person_id
        )
    )


async def list_credentials(
    *,
    session: AsyncSession,
    person_id: str,
    reach: frozenset[str] | None,
    page: PageParams,
) -> Sequence[Credential]:
    """The person's credentials the caller may see, most recently awarded first."""
    statement = select(Credential).where(Credential.person_id == person_id)
    if reach is not None:
        statement = statement.where(Credential.org_code.in_(reach))
    statement = paginate(
        statement,
        sort_column=Credential.awarded_at,
        id_column=Credential.id,
        params=page,
        descending=True,
    )
    return (await session.scalars(statement)).all()


# Rows per INSERT ... SELECT FROM unnest(...): each column is one array parameter, so the size is
# bounded by memory, not by PostgreSQL's 32,767 bind parameters.
_IMPORT_CHUNK = 10_000

_INSERT_RECORDS = text(
    """
    INSERT INTO learner_records (id, person_id, org_code, programme_code, provider_id,
                                 completed_at, accredited, accreditation_id, recorded_by, version)
    SELECT t.id, t.person_id, t.org_code, t.programme_code, t.provider_id, t.completed_at,
           t.accreditation_id IS NOT NULL, t.accreditation_id, :recorded_by, 1
    FROM unnest(CAST(:ids AS uuid[]), CAST(:person_ids AS varchar[]),
                CAST(:org_codes AS varchar[]), CAST(:programme_codes AS varchar[]),
                CAST(:provider_ids AS uuid[]), CAST(:completed AS timestamptz[]),
                CAST(:accreditation_ids AS uuid[]))
         AS t(id, person_id, org_code, programme_code, provider_id, completed_at,
              accreditation_id)
    ON CONFLICT (person_id, programme_code, completed_at) DO NOTHING
    RETURNING id
    """
)

_INSERT_CREDENTIALS = text(
    """
    INSERT INTO credentials (id, record_id, person_id, org_code, programme_code, standards,
                             levels, awarded_at, expires_at, status, version)
    SELECT t.id, t.record_id, t.person_id, t.org_code, t.programme_code,
           string_to_array(t.standards, ','), string_to_array(t.levels, ','), :awarded_at,
           t.expires_at, 'active', 1
    FROM unnest(CAST(:ids AS uuid[]), CAST(:record_ids AS uuid[]),
                CAST(:person_ids AS varchar[]), CAST(:org_codes AS varchar[]),
                CAST(:programme_codes AS varchar[]), CAST(:standards AS text[]),
                CAST(:levels AS text[]), CAST(:expires AS timestamptz[]))
         AS t(id, record_id, person_id, org_code, programme_code, standards, levels,
              expires_at)
    """
)


@dataclass(frozen=True, slots=True)
class _ProgrammeFacts:
    code: str
    category: Category
    validity_months: int | None
    standards: tuple[str, ...]
    levels: tuple[Level, ...]


@dataclass(slots=True)
class _Accepted:
    line: int
    person_id: str
    org_code: str
    programme: _ProgrammeFacts
    provider_id: uuid.UUID | None
    completed_at: datetime
    accreditation_id: uuid.UUID | None = None
    record_id: uuid.UUID = field(default_factory=uuid.uuid4)
    # Worked out once per accredited row: the credential and its event both carry it.
    expires_at: datetime | None = None


def _readable_person_id(values: dict[str, Any]) -> str | None:
    """The row's person_id for the report, only if it is one (never echo arbitrary input)."""
    value = values.get("person_id")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and re.fullmatch(PERSON_ID_PATTERN, value):
        return value
    return None


async def _programme_catalogue(session: AsyncSession) -> dict[str, _ProgrammeFacts]:
    programmes = await session.scalars(select(Programme))
    return {
        p.code: _ProgrammeFacts(
            code=p.code,
            category=Category(p.category),
            validity_months=p.validity_months,
            standards=tuple(item.standard_code for item in p.standards),
            levels=tuple(ordered_levels(p.levels)),
        )
        for p in programmes
    }


async def _directory_orgs(session: AsyncSession, person_ids: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    ordered = sorted(person_ids)
    for start in range(0, len(ordered), _IMPORT_CHUNK):
        rows = await session.execute(
            select(Person.person_id, Person.org_code).where(
                Person.person_id.in_(ordered[start : start + _IMPORT_CHUNK])
            )
        )
        found.update({person_id: org_code for person_id, org_code in rows})
    return found


async def import_completions(
    *,
    session: AsyncSession,
    publish_many: PublishMany,
    principal: Principal,
    rows: Sequence[UploadRow],
    clock_skew: timedelta,
    now: datetime,
) -> CompletionImportReport:
    """Store every good row of a bulk upload with set-based statements; report every other.

    Each row obeys the rules of a single completion (plausible date, known programme and
    provider, an organisation in the token's reach, accreditation in force on the day); a row
    repeated within the upload, or already recorded, is reported, not stored twice.
    """
    rejections: dict[int, RejectedCompletion] = {}

    def reject(line: int, person_id: str | None, errors: Sequence[FieldError]) -> None:
        rejections[line] = RejectedCompletion(line=line, person_id=person_id, errors=list(errors))

    programmes = await _programme_catalogue(session)
    parsed: list[tuple[int, CompletionRow]] = []
    for row in rows:
        person_id = _readable_person_id(row.values)
        if row.unreadable is not None:
            reject(row.line, None, [row.unreadable])
            continue
        try:
            completion = CompletionRow.model_validate(row.values)
        except ValidationError as exc:
            reject(row.line, person_id, field_errors(exc.errors()))
            continue
        errors: list[FieldError] = []
        try:
            domain.check_completed_at(completion.completed_at, now=now, clock_skew=clock_skew)
        except domain.ImplausibleCompletion as exc:
            errors.append(FieldError(path="completed_at", message=str(exc), type="value_error"))
        if completion.programme_code not in programmes:
            errors.append(
                FieldError(
                    path="programme_code",
                    message=f"no programme has the code {completion.programme_code}",
                    type="unknown_programme",
                )
            )
        if errors:
            reject(row.line, completion.person_id, errors)
            continue
        parsed.append((row.line, completion))

    provider_ids = {c.provider_id for _, c in parsed if c.provider_id is not None}
    known_providers: set[uuid.UUID] = set()
    if provider_ids:
        known_providers = set(
            await session.scalars(select(Provider.id).where(Provider.id.in_(provider_ids)))
        )
    directory = await _directory_orgs(
        session, {c.person_id for _, c in parsed if c.org_code is None}
    )

    accepted: list[_Accepted] = []
    first_line: dict[tuple[str, str, datetime], int] = {}
    for line, completion in parsed:
        errors = []
        completed_at = completion.completed_at.astimezone(UTC)
        if completion.provider_id is not None and completion.provider_id not in known_providers:
            errors.append(
                FieldError(
                    path="provider_id",
                    message=f"no provider has the id {completion.provider_id}",
                    type="unknown_provider",
                )
            )
        org_code = completion.org_code or directory.get(completion.person_id)
        if org_code is None:
            errors.append(
                FieldError(
                    path="org_code",
                    message="required: the person is not (yet) in this service's people "
                    "directory, so their organisation is unknown",
                    type="missing",
                )
            )
        elif not principal.can_see_org(org_code):
            # Not naming it: it may come from the directory, not from the caller.
            errors.append(
                FieldError(
                    path="org_code",
                    message="the person's organisation is outside this token's reach",
                    type="forbidden",
                )
            )
        identity = (completion.person_id, completion.programme_code, completed_at)
        if identity in first_line:
            errors.append(
                FieldError(
                    path="line",
                    message=f"repeats the completion on line {first_line[identity]}",
                    type="duplicate",
                )
            )
        if errors:
            reject(line, completion.person_id, errors)
            continue
        assert org_code is not None
        first_line[identity] = line
        accepted.append(
            _Accepted(
                line=line,
                person_id=completion.person_id,
                org_code=org_code,
                programme=programmes[completion.programme_code],
                provider_id=completion.provider_id,
                completed_at=completed_at,
            )
        )

    # Accreditation in force: one look-up per provider, programme and day, however many rows.
    in_force: dict[tuple[uuid.UUID, str, date], uuid.UUID | None] = {}
    for item in accepted:
        if item.provider_id is None:
            continue
        key = (item.provider_id, item.programme.code, accreditation_day(item.completed_at))
        if key not in in_force:
            accreditation = await provider_service.accreditation_in_force(
                session=session, provider_id=key[0], programme_code=key[1], day=key[2]
            )
            in_force[key] = accreditation.id if accreditation is not None else None
        item.accreditation_id = in_force[key]

    stored: list[_Accepted] = []
    for start in range(0, len(accepted), _IMPORT_CHUNK):
        chunk = accepted[start : start + _IMPORT_CHUNK]
        inserted = set(
            await session.scalars(
                _INSERT_RECORDS,
                {
                    "recorded_by": principal.subject,
                    "ids": [a.record_id for a in chunk],
                    "person_ids": [a.person_id for a in chunk],
                    "org_codes": [a.org_code for a in chunk],
                    "programme_codes": [a.programme.code for a in chunk],
                    "provider_ids": [a.provider_id for a in chunk],
                    "completed": [a.completed_at for a in chunk],
                    "accreditation_ids": [a.accreditation_id for a in chunk],
                },
            )
        )
        for item in chunk:
            if item.record_id in inserted:
                stored.append(item)
            else:
                reject(
                    item.line,
                    item.person_id,
                    [
                        FieldError(
                            path="line",
                            message="this completion is already recorded",
                            type="already_recorded",
                        )
                    ],
                )

    credentials: dict[uuid.UUID, uuid.UUID] = {}
    accredited = [item for item in stored if item.accreditation_id is not None]
    for start in range(0, len(accredited), _IMPORT_CHUNK):
        chunk = accredited[start : start + _IMPORT_CHUNK]
        ids = [uuid.uuid4() for _ in chunk]
        for item in chunk:
            item.expires_at = domain.credential_expiry(
                item.completed_at, item.programme.validity_months
            )
        credentials.update(zip((a.record_id for a in chunk), ids, strict=True))
        await session.execute(
            _INSERT_CREDENTIALS,
            {
                "awarded_at": now,
                "ids": ids,
                "record_ids": [a.record_id for a in chunk],
                "person_ids": [a.person_id for a in chunk],
                "org_codes": [a.org_code for a in chunk],
                "programme_codes": [a.programme.code for a in chunk],
                "standards": [",".join(a.programme.standards) for a in chunk],
                "levels": [",".join(level.value for level in a.programme.levels) for a in chunk],
                "expires": [a.expires_at for a in chunk],
            },
        )

    published = 0
    for start in range(0, len(stored), _IMPORT_CHUNK):
        events: list[Event] = []
        for item in stored[start : start + _IMPORT_CHUNK]:
            events.append(
                TrainingCompleted(
                    record_id=item.record_id,
                    person_id=item.person_id,
                    org_code=item.org_code,
                    programme_code=item.programme.code,
                    category=item.programme.category,
                    completed_at=item.completed_at,
                    accredited=item.accreditation_id is not None,
                    provider_id=item.provider_id,
                )
            )
            if item.accreditation_id is not None:
                assert item.provider_id is not None
                events.append(
                    TrainingAccredited(
                        record_id=item.record_id,
                        credential_id=credentials[item.record_id],
                        person_id=item.person_id,
                        org_code=item.org_code,
                        programme_code=item.programme.code,
                        standards=list(item.programme.standards),
                        levels=list(item.programme.levels),
                        awarded_at=now,
                        expires_at=item.expires_at,
                        completed_at=item.completed_at,
                        provider_id=item.provider_id,
                    )
                )
        published += len(await publish_many(events))

    changes = await eligibility_service.redetermine(
        session=session, person_ids={item.person_id for item in accredited}, as_of=now
    )
    published += len(await publish_many(changes))
    return CompletionImportReport(
        rows=len(rows),
        recorded=len(stored),
        accredited=len(accredited),
        rejected=len(rejections),
        events_published=published,
        rejections=[rejections[line] for line in sorted(rejections)],
    )
