import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.app import DatabaseDep, SessionDep
from shared.http.auth import Principal, require_scopes
from shared.http.etag import IfMatchHeader, check_version, make_etag, set_etag
from shared.http.idempotency import run_idempotent
from shared.http.pagination import Page, PageQuery, make_page
from shared.http.problems import Conflict, Forbidden, NotFound, invalid_input
from talent.people import service as people_service
from talent.reviews import domain
from talent.reviews import service as review_service
from talent.reviews.models import ReviewAssessment, TalentReview
from talent.reviews.schemas import (
    AssessmentCreate,
    AssessmentRead,
    MoveCreate,
    ReviewCreate,
    ReviewRead,
    ReviewTransition,
)

router = APIRouter(tags=["talent reviews"])

TalentReader = Annotated[Principal, Depends(require_scopes("talent:read"))]
TalentWriter = Annotated[Principal, Depends(require_scopes("talent:write"))]
PersonIdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,20}$", examples=["10234567"])]


async def _review(
    session: AsyncSession, principal: Principal, review_id: uuid.UUID
) -> TalentReview:
    review = await review_service.get_review(session, review_id)
    if review is None:
        raise NotFound(f"No talent review {review_id}")
    if not principal.can_see_org(review.org_code):
        raise Forbidden(f"This token does not reach the organisation of talent review {review_id}")
    return review


async def _assessment(
    session: AsyncSession, principal: Principal, assessment_id: uuid.UUID
) -> ReviewAssessment:
    assessment = await review_service.get_assessment(session, assessment_id)
    if assessment is None:
        raise NotFound(f"No review assessment {assessment_id}")
    if not principal.can_see_org(assessment.org_code):
        raise Forbidden(
            f"This token does not reach the organisation of review assessment {assessment_id}"
        )
    return assessment


async def _read(session: AsyncSession, assessment: ReviewAssessment) -> AssessmentRead:
    moves = await review_service.moves_of(session, [assessment.id])
    return review_service.assessment_read(assessment, moves.get(assessment.id, []))


async def _page(session: AsyncSession, rows: Any, page: Any) -> Page[AssessmentRead]:
    moves = await review_service.moves_of(session, [a.id for a in rows[: page.limit]])
    return make_page(
        rows,
        page,
        key_fn=lambda a: (a.assessed_at, a.id),
        item=lambda a: review_service.assessment_read(a, moves.get(a.id, [])),
    )


@router.post(
    "/v1/talent-reviews",
    status_code=201,
    response_model=ReviewRead,
    summary="Open a talent review of an organisation's people (Idempotency-Key accepted)",
)
async def create_talent_review(
    body: ReviewCreate, request: Request, principal: TalentWriter, db: DatabaseDep
) -> Response:
    principal.require_org(body.org_code)

    async def create(session: AsyncSession) -> tuple[int, Any, dict[str, str]]:
        review = await review_service.create_review(
            session, org_code=body.org_code, name=body.name, created_by=principal.subject
        )
        return (
            201,
            ReviewRead.model_validate(review),
            {"Location": f"/v1/talent-reviews/{review.id}", "ETag": make_etag(str(review.id), 1)},
        )

    return await run_idempotent(db, request, principal, create)


@router.get("/v1/talent-reviews", response_model=Page[ReviewRead], summary="Talent reviews")
async def list_talent_reviews(
    principal: TalentReader, session: SessionDep, page: PageQuery
) -> Page[ReviewRead]:
    reviews = await review_service.list_reviews(
        session, visible_orgs=principal.reach_filter(), page=page
    )
    return make_page(
        reviews, page, key_fn=lambda r: (r.created_at, r.id), item=ReviewRead.model_validate
    )


@router.get("/v1/talent-reviews/{review_id}", response_model=ReviewRead, summary="One review")
async def get_talent_review(
    review_id: uuid.UUID, principal: TalentReader, session: SessionDep, response: Response
) -> ReviewRead:
    review = await _review(session, principal, review_id)
    set_etag(response, str(review.id), review.version)
    return ReviewRead.model_validate(review)


@router.post(
    "/v1/talent-reviews/{review_id}/transitions",
    response_model=ReviewRead,
    summary="assessing → moderating → closed (If-Match)",
)
async def move_talent_review(
    review_id: uuid.UUID,
    body: ReviewTransition,
    principal: TalentWriter,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader,
) -> ReviewRead:
    review = await _review(session, principal, review_id)
    expected = if_match.version_for(str(review.id))
    check_version(review.version, expected)
    current = domain.ReviewStatus(review.status)
    if body.to not in domain.REVIEW_TRANSITIONS[current]:
        raise invalid_input("body.to", f"a {current} review cannot become {body.to}")
    updated = await review_service.move_review(
        session, review=review, expected_version=expected, to=body.to.value
    )
    if updated is None:
        await session.rollback()
        raise Conflict("The review changed meanwhile; read it again")
    await session.commit()
    set_etag(response, str(updated.id), updated.version)
    return ReviewRead.model_validate(updated)


@router.post(
    "/v1/talent-reviews/{review_id}/assessments",
    status_code=201,
    response_model=AssessmentRead,
    summary="Place a person on the 9-box: performance from their appraisal, potential scored",
)
async def assess_in_review(
    review_id: uuid.UUID,
    body: AssessmentCreate,
    request: Request,
    principal: TalentWriter,
    db: DatabaseDep,
) -> Response:
    """Idempotency-Key accepted. The person must work for the review's organisation and have a
    completed appraisal that is not reopened."""
    async with db.session() as session:
        review = await _review(session, principal, review_id)
        person = await people_service.get_person(session=session, person_id=body.person_id)
    if person is None or person.org_code != review.org_code:
        raise invalid_input("body.person_id", "is not in the review's organisation")
    if not domain.can_assess(domain.ReviewStatus(review.status)):
        raise Conflict(f"The review is {review.status}; assessments are made while assessing")

    async def create(session: AsyncSession) -> tuple[int, Any, dict[str, str]]:
        try:
            assessment = await review_service.assess(
                session,
                review=review,
                person_id=body.person_id,
                org_code=review.org_code,
                scores=body.model_dump(exclude={"person_id"}),
                assessed_by=principal.subject,
            )
        except domain.NoPerformanceEvidence as exc:
            raise invalid_input("body.person_id", str(exc)) from None
        body_out = review_service.assessment_read(assessment, [])
        return (
            201,
            body_out,
            {
                "Location": f"/v1/review-assessments/{assessment.id}",
                "ETag": make_etag(str(assessment.id), assessment.version),
            },
        )

    try:
        return await run_idempotent(db, request, principal, create)
    except IntegrityError:
        raise Conflict(f"Person {body.person_id} is already assessed in this review") from None


@router.get(
    "/v1/talent-reviews/{review_id}/assessments",
    response_model=Page[AssessmentRead],
    summary="Everyone placed in the review, with their moves",
)
async def list_review_assessments(
    review_id: uuid.UUID, principal: TalentReader, session: SessionDep, page: PageQuery
) -> Page[AssessmentRead]:
    await _review(session, principal, review_id)
    rows = await review_service.list_assessments(session, review_id=review_id, page=page)
    return await _page(session, rows, page)


@router.get(
    "/v1/review-assessments/{assessment_id}",
    response_model=AssessmentRead,
    summary="One person's place in a review and every moderation move",
)
async def get_review_assessment(
    assessment_id: uuid.UUID, principal: TalentReader, session: SessionDep, response: Response
) -> AssessmentRead:
    assessment = await _assessment(session, principal, assessment_id)
    set_etag(response, str(assessment.id), assessment.version)
    return await _read(session, assessment)


@router.post(
    "/v1/review-assessments/{assessment_id}/moves",
    response_model=AssessmentRead,
    summary="Moderation: move a person to another box, saying why (If-Match)",
)
async def moderate_assessment(
    assessment_id: uuid.UUID,
    body: MoveCreate,
    principal: TalentWriter,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader,
) -> AssessmentRead:
    assessment = await _assessment(session, principal, assessment_id)
    expected = if_match.version_for(str(assessment.id))
    check_version(assessment.version, expected)
    review = await review_service.get_review(session, assessment.review_id)
    if review is None or not domain.can_move(domain.ReviewStatus(review.status)):
        raise Conflict("People move between boxes only while the review is moderating")
    if body.to_box == assessment.box:
        raise invalid_input("body.to_box", "is the box the person is already in")
    updated = await review_service.move(
        session,
        assessment=assessment,
        expected_version=expected,
        to_box=body.to_box,
        reason=body.reason,
        moved_by=principal.subject,
    )
    if updated is None:
        await session.rollback()
        raise Conflict("The assessment changed meanwhile; read it again")
    await session.commit()
    set_etag(response, str(updated.id), updated.version)
    return await _read(session, updated)


@router.get(
    "/v1/people/{person_id}/nine-box-history",
    response_model=Page[AssessmentRead],
    summary="A person's 9-box placements across reviews, with every moderation move",
)
async def nine_box_history(
    person_id: PersonIdPath, principal: TalentReader, session: SessionDep, page: PageQuery
) -> Page[AssessmentRead]:
    person = await people_service.get_person(session=session, person_id=person_id)
    if person is None:
        raise NotFound(f"No person {person_id} is in the directory")
    if not principal.can_see_org(person.org_code):
        raise Forbidden(f"This token does not reach the organisation of person {person_id}")
    rows = await review_service.list_assessments(session, person_id=person_id, page=page)
    return await _page(session, rows, page)
