"""Multi-source feedback over HTTP: requests, single-use links, aggregate-only results."""

import uuid
from typing import Any

from appraisal.feedback import domain
from appraisal.feedback.service import feedback_summary


async def test_an_appraisal_without_feedback_has_no_responses(start_service: Any) -> None:
    async with start_service("appraisal") as svc, svc.db.session() as session:
        summary = await feedback_summary(session, uuid.uuid4())
    assert summary.responses_total == 0
    assert summary.categories_reported == []


def test_a_category_below_the_minimum_shows_no_numbers() -> None:
    questions = domain.questions_for(board=True)
    answer = dict.fromkeys(questions, "often")
    summary = domain.summarise(
        requested_by_category={"peer": 3, "governor": 2},
        responses_by_category={"peer": [answer] * 3, "governor": [answer] * 2},
        questions=questions,
        minimum_responses=3,
    )
    by_category = {result.category: result for result in summary.categories}
    assert by_category["peer"].reported and by_category["peer"].responses == 3
    assert by_category["governor"].reported is False
    assert by_category["governor"].responses is None
    assert by_category["governor"].mean_by_question is None
    assert summary.responses_reported == 3
