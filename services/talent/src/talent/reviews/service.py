"""Use cases of talent reviews: assessing people onto the 9-box and moderating them."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.http.pagination import PageParams, paginate
from talent.profiles.models import ProfileAppraisal
from talent.reviews import domain
from talent.reviews.models import ModerationMove, ReviewAssessment, TalentReview
from talent.reviews.schemas import AssessmentRead, MoveRead


async def create_review(
    session: AsyncSession, *, org_code: str, name: str, created_by: str
) -> TalentReview:
    review = TalentReview(
        id=uuid.uuid4(),
        org_code=org_code,
        name=name,
        status=domain.ReviewStatus.ASSESSING.value,
        version=1,
        created_by=created_by[:200],
    )
    session.add(review)
    await session.flush()
    await session.refresh(review)
    return review


async def get_review(session: AsyncSession, review_id: uuid.UUID) -> TalentReview | None:
    return await session.get(TalentReview, review_id)


async def list_reviews(
    session: AsyncSession, *, visible_orgs: frozenset[str] | None, page: PageParams
) -> Sequence[TalentReview]:
    stmt = select(TalentReview)
    if visible_orgs is not None:
        stmt = stmt.where(TalentReview.org_code.in_(visible_orgs))
    stmt = paginate(
        stmt, sort_column=TalentReview.created_at, id_column=TalentReview.id, params=page
    )
    return (await session.scalars(stmt)).all()


async def move_review(
    session: AsyncSession, *, review: TalentReview, expected_version: int, to: str
) -> TalentReview | None:
    result = await session.execute(
        update(TalentReview)
        .where(TalentReview.id == review.id, TalentReview.version == expected_version)
        .values(status=to, version=TalentReview.version + 1)
        .returning(TalentReview)
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def latest_usable_appraisal(session: AsyncSession, person_id: str) -> ProfileAppraisal | None:
    latest = await session.scalars(
        select(ProfileAppraisal)
        .where(ProfileAppraisal.person_id == person_id)
        .order_by(ProfileAppraisal.completed_at.desc(), ProfileAppraisal.appraisal_id.desc())
        .limit(1)
    )
    appraisal = latest.first()
    if appraisal is None or appraisal.reopened_at is not None:
        return None
    return appraisal


async def assess(
    session: AsyncSession,
    *,
    review: TalentReview,
    person_id: str,
    org_code: str,
    scores: dict[str, int],
    assessed_by: str,
) -> ReviewAssessment:
    appraisal = await latest_usable_appraisal(session, person_id)
    if appraisal is None:
        raise domain.NoPerformanceEvidence(
            "no completed appraisal (that is not reopened) gives this person's performance"
        )
    performance = domain.performance(appraisal.performance_outcome, appraisal.behaviour_outcome)
    potential = domain.potential(**scores)
    placed = domain.box(performance_rating=performance, potential_rating=potential)
    assessment = ReviewAssessment(
        id=uuid.uuid4(),
        review_id=review.id,
        person_id=person_id,
        org_code=org_code,
        appraisal_id=appraisal.appraisal_id,
        performance=performance.value,
        potential=potential.value,
        assessed_box=placed,
        box=placed,
        assessed_by=assessed_by[:200],
        version=1,
        **scores,
    )
    session.add(assessment)
    await session.flush()
    await session.refresh(assessment)
    return assessment


async def get_assessment(
    session: AsyncSession, assessment_id: uuid.UUID
) -> ReviewAssessment | None:
    return await session.get(ReviewAssessment, assessment_id)


async def move(
    session: AsyncSession,
    *,
    assessment: ReviewAssessment,
    expected_version: int,
    to_box: int,
    reason: str,
    moved_by: str,
) -> ReviewAssessment | None:
    from_box = assessment.box
    result = await session.execute(
        update(ReviewAssessment)
        .where(ReviewAssessment.id == assessment.id, ReviewAssessment.version == expected_version)
        .values(box=to_box, version=ReviewAssessment.version + 1)
        .returning(ReviewAssessment)
        .execution_options(populate_existing=True)
    )
    updated = result.scalar_one_or_none()
    if updated is None:
        return None
    session.add(
        ModerationMove(
            id=uuid.uuid4(),
            assessment_id=assessment.id,
            review_id=assessment.review_id,
            person_id=assessment.person_id,
            from_box=from_box,
            to_box=to_box,
            moved_by=moved_by[:200],
            reason=reason,
        )
    )
    await session.flush()
    return updated


async def moves_of(
    session: AsyncSession, assessment_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ModerationMove]]:
    found: dict[uuid.UUID, list[ModerationMove]] = defaultdict(list)
    if not assessment_ids:
        return found
    for moved in await session.scalars(
        select(ModerationMove)
        .where(ModerationMove.assessment_id.in_(list(assessment_ids)))
        .order_by(ModerationMove.moved_at, ModerationMove.id)
    ):
        found[moved.assessment_id].append(moved)
    return found


async def list_assessments(
    session: AsyncSession,
    *,
    review_id: uuid.UUID | None = None,
    person_id: str | None = None,
    page: PageParams,
) -> Sequence[ReviewAssessment]:
    stmt = select(ReviewAssessment)
    if review_id is not None:
        stmt = stmt.where(ReviewAssessment.review_id == review_id)
    if person_id is not None:
        stmt = stmt.where(ReviewAssessment.person_id == person_id)
    stmt = paginate(
        stmt, sort_column=ReviewAssessment.assessed_at, id_column=ReviewAssessment.id, params=page
    )
    return (await session.scalars(stmt)).all()


def assessment_read(assessment: ReviewAssessment, moves: list[Any]) -> AssessmentRead:
    return AssessmentRead(
        id=assessment.id,
        review_id=assessment.review_id,
        person_id=assessment.person_id,
        org_code=assessment.org_code,
        appraisal_id=assessment.appraisal_id,
        performance=domain.Rating(assessment.performance),
        aspiration=assessment.aspiration,
        engagement=assessment.engagement,
        ability=assessment.ability,
        leadership_values=assessment.leadership_values,
        potential=domain.Rating(assessment.potential),
        assessed_box=assessment.assessed_box,
        box=assessment.box,
        moves=[MoveRead.model_validate(m) for m in moves],
        assessed_by=assessment.assessed_by,
        assessed_at=assessment.assessed_at,
        version=assessment.version,
    )
