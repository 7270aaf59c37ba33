import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.http.pagination import PageParams, paginate
from shared.http.problems import Conflict, NotFound, invalid_input
from standards.outbox import Publish
from standards.programmes import service as programme_service
from standards.providers import domain
from standards.providers.domain import AccreditationStatus, Decision
from standards.providers.events import ProviderAccreditationChanged
from standards.providers.models import Accreditation, Provider
from standards.providers.schemas import AccreditationCreate, ProviderCreate


async def create_provider(*, session: AsyncSession, provider_in: ProviderCreate) -> Provider:
    # ON CONFLICT rather than look-then-insert: two registrations racing with the same UKPRN
    # get one provider and one clean 409, never an integrity error.
    provider_id = await session.scalar(
        insert(Provider)
        .values(
            id=uuid.uuid4(),
            name=provider_in.name,
            ukprn=provider_in.ukprn,
            org_code=provider_in.org_code,
            version=1,
        )
        .on_conflict_do_nothing(index_elements=[Provider.ukprn])
        .returning(Provider.id)
    )
    if provider_id is None:
        raise Conflict(f"A provider with UKPRN {provider_in.ukprn} is already registered")
    provider = await session.get(Provider, provider_id)
    assert provider is not None
    return provider


async def get_provider(
    *, session: AsyncSession, provider_id: uuid.UUID, for_update: bool = False
) -> Provider | None:
    statement = select(Provider).where(Provider.id == provider_id)
    if for_update:
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def require_provider(
    *, session: AsyncSession, provider_id: uuid.UUID, for_update: bool = False
) -> Provider:
    provider = await get_provider(session=session, provider_id=provider_id, for_update=for_update)
    if provider is None:
        raise NotFound(f"No provider has the id {provider_id}")
    return provider


async def list_providers(*, session: AsyncSession, page: PageParams) -> Sequence[Provider]:
    statement = paginate(
        select(Provider), sort_column=Provider.name, id_column=Provider.id, params=page
    )
    return (await session.scalars(statement)).all()


async def latest_accreditations(
    *, session: AsyncSession, provider_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Accreditation]]:
    """The most recent decision for each programme, per provider (one query for a whole page)."""
    if not provider_ids:
        return {}
    latest_seq = (
        select(func.max(Accreditation.seq))
        .where(Accreditation.provider_id.in_(provider_ids))
        .group_by(Accreditation.provider_id, Accreditation.programme_code)
    )
    statement = (
        select(Accreditation)
        .where(Accreditation.seq.in_(latest_seq))
        .order_by(Accreditation.provider_id, Accreditation.programme_code)
    )
    latest: dict[uuid.UUID, list[Accreditation]] = {}
    for row in await session.scalars(statement):
        latest.setdefault(row.provider_id, []).append(row)
    return latest


async def get_accreditation(
    *, session: AsyncSession, provider_id: uuid.UUID, accreditation_id: uuid.UUID
) -> Accreditation | None:
    return await session.scalar(
        select(Accreditation).where(
            Accreditation.id == accreditation_id, Accreditation.provider_id == provider_id
        )
    )


async def _decisions(
    session: AsyncSession, provider_id: uuid.UUID, programme_code: str
) -> Sequence[Accreditation]:
    statement = (
        select(Accreditation)
        .where(
            Accreditation.provider_id == provider_id,
            Accreditation.programme_code == programme_code,
        )
        .order_by(Accreditation.seq)
    )
    return (await session.scalars(statement)).all()


def _as_decision(row: Accreditation) -> Decision:
    return Decision(
        seq=row.seq,
        status=AccreditationStatus(row.status),
        valid_from=row.valid_from,
        valid_to=row.valid_to,
    )


async def accreditation_in_force(
    *, session: AsyncSession, provider_id: uuid.UUID, programme_code: str, day: date
) -> Accreditation | None:
    """The decision that made the provider accredited for the programme on ``day``, if any."""
    rows = await _decisions(session, provider_id, programme_code)
    by_seq = {row.seq: row for row in rows}
    decision = domain.decision_on((_as_decision(row) for row in rows), day)
    if decision is None or not domain.is_live(decision.status):
        return None
    return by_seq[decision.seq]


async def decision_in_force(
    *, session: AsyncSession, provider_id: uuid.UUID, programme_code: str, day: date
) -> Accreditation | None:
    """The decision in force on ``day`` whatever its status (None: nothing recorded covers it)."""
    rows = await _decisions(session, provider_id, programme_code)
    by_seq = {row.seq: row for row in rows}
    decision = domain.decision_on((_as_decision(row) for row in rows), day)
    return None if decision is None else by_seq[decision.seq]


async def record_accreditation(
    *,
    session: AsyncSession,
    publish: Publish,
    provider_id: uuid.UUID,
    decision_in: AccreditationCreate,
    recorded_by: str,
    now: datetime | None = None,
) -> Accreditation:
    # The row lock serialises decisions about one provider, so two admins cannot both pass the
    # transition check against the same "latest" decision.
    await require_provider(session=session, provider_id=provider_id, for_update=True)
    programme = await programme_service.get_programme(
        session=session, code=decision_in.programme_code
    )
    if programme is None:
        raise invalid_input(
            "body.programme_code", f"no programme has the code {decision_in.programme_code}"
        )
    previous = await _decisions(session, provider_id, programme.code)
    current = AccreditationStatus(previous[-1].status) if previous else None
    try:
        domain.check_transition(current, decision_in.status)
    except domain.InvalidAccreditationTransition as exc:
        raise Conflict(
            str(exc), current_status=current.value if current is not None else None
        ) from exc
    try:
        domain.check_conditions(decision_in.status, decision_in.conditions)
    except domain.ConditionsMismatch as exc:
        raise invalid_input("body.conditions", str(exc)) from exc

    recorded_at = now or datetime.now(UTC)
    accreditation = Accreditation(
        id=uuid.uuid4(),
        provider_id=provider_id,
        programme_code=programme.code,
        status=decision_in.status.value,
        valid_from=decision_in.valid_from,
        valid_to=decision_in.valid_to,
        reason_code=decision_in.reason_code,
        conditions=list(decision_in.conditions),
        rationale=decision_in.rationale,
        recorded_at=recorded_at,
        recorded_by=recorded_by,
    )
    session.add(accreditation)
    await session.flush()  # assigns seq
    await publish(_changed(accreditation, current))
    return accreditation


def _changed(
    accreditation: Accreditation, previous: AccreditationStatus | None
) -> ProviderAccreditationChanged:
    status = AccreditationStatus(accreditation.status)
    return ProviderAccreditationChanged(
        provider_id=accreditation.provider_id,
        programme_code=accreditation.programme_code,
        status=status,
        valid_from=accreditation.valid_from,
        valid_to=accreditation.valid_to,
        accreditation_id=accreditation.id,
        changed_at=accreditation.recorded_at,
        previous_status=previous,
        live=domain.is_live(status),
        reason_code=accreditation.reason_code,
    )


EXPIRY_RECORDER = "system:accreditation-expiry"
EXPIRY_REASON = "validity_ended"


async def expire_lapsed_accreditations(
    *, session: AsyncSession, publish: Publish, today: date, limit: int = 500
) -> list[Accreditation]:
    """Record `expired` for every live grant whose window ended before ``today`` and that
    nothing was recorded after: the worker's expiry step.

    The grant itself already stops covering days after its ``valid_to``; the expiry decision
    makes the state visible in the register and tells subscribers. Idempotent: once recorded,
    the expired decision is the latest, so a second run finds nothing.
    """
    candidates = (
        await session.scalars(
            select(Accreditation)
            .where(
                Accreditation.status.in_([status.value for status in domain.LIVE_STATUSES]),
                Accreditation.valid_to < today,
                Accreditation.seq.in_(
                    select(func.max(Accreditation.seq)).group_by(
                        Accreditation.provider_id, Accreditation.programme_code
                    )
                ),
            )
            .order_by(Accreditation.seq)
            .limit(limit)
        )
    ).all()
    expired: list[Accreditation] = []
    for grant in candidates:
        # Re-check under the provider's row lock: an admin may have decided meanwhile.
        await require_provider(session=session, provider_id=grant.provider_id, for_update=True)
        rows = await _decisions(session, grant.provider_id, grant.programme_code)
        lapse = domain.lapsed(_as_decision(rows[-1]), today)
        if lapse is None:
            continue
        accreditation = Accreditation(
            id=uuid.uuid4(),
            provider_id=grant.provider_id,
            programme_code=grant.programme_code,
            status=AccreditationStatus.EXPIRED.value,
            valid_from=lapse.valid_to + timedelta(days=1),
            valid_to=None,
            reason_code=EXPIRY_REASON,
            conditions=[],
            rationale=None,
            recorded_at=datetime.now(UTC),
            recorded_by=EXPIRY_RECORDER,
        )
        session.add(accreditation)
        await session.flush()
        await publish(_changed(accreditation, lapse.status))
        expired.append(accreditation)
    return expired


async def list_accreditations(
    *, session: AsyncSession, provider_id: uuid.UUID, page: PageParams
) -> Sequence[Accreditation]:
    statement = paginate(
        select(Accreditation).where(Accreditation.provider_id == provider_id),
        sort_column=Accreditation.seq,
        id_column=Accreditation.id,
        params=page,
    )
    return (await session.scalars(statement)).all()
