import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.http.auth import Principal
from shared.http.pagination import PageParams, paginate
from shared.http.problems import Conflict, Forbidden, invalid_input
from standards.learning import domain
from standards.learning.events import TrainingAccredited, TrainingCompleted
from standards.learning.models import Credential, LearnerRecord
from standards.learning.schemas import CompletionCreate
from standards.outbox import Publish
from standards.people import service as people_service
from standards.programmes import service as programme_service
from standards.programmes.domain import Category, ordered_levels
from standards.providers import service as provider_service
from standards.providers.domain import accreditation_day


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
