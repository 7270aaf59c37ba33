"""Use cases of multi-source feedback: keyword-only functions, the session first."""

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.feedback import domain
from appraisal.feedback.models import FeedbackResponse


@dataclass(frozen=True)
class FeedbackCount:
    """What the completion rules need to know of an appraisal's feedback.

    True counts, for rules only: never shown to a person, since a category below the minimum
    would then reveal how many (and so which) raters answered.
    """

    responses_total: int
    categories_reported: list[str]


async def feedback_summary(
    session: AsyncSession,
    appraisal_id: uuid.UUID,
    minimum_responses: int = domain.DEFAULT_MINIMUM_RESPONSES,
) -> FeedbackCount:
    """How many responses an appraisal has, and which categories reach the reporting minimum."""
    rows = (
        await session.execute(
            select(FeedbackResponse.category, func.count())
            .where(FeedbackResponse.appraisal_id == appraisal_id)
            .group_by(FeedbackResponse.category)
        )
    ).all()
    counts = {category: count for category, count in rows}
    return FeedbackCount(
        responses_total=sum(counts.values()),
        categories_reported=sorted(
            category for category, count in counts.items() if count >= minimum_responses
        ),
    )
