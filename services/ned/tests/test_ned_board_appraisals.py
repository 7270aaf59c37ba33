"""Board appraisal compliance from real ``appraisal.completed`` events: the appraisal service's
relay publishes them to the broker, and the ned worker's consumer projects them; the compliance
report judges the national deadlines."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, func, select

from devstack import flows
from devstack.testing import auth, eventually
from ned.board_appraisals.models import BoardAppraisal
from ned.boards.models import Seat
from shared.tables import inbox, outbox
from shared.uow import UnitOfWork

LEEDS = auth("ned:read", org="RR8")
MANCHESTER = auth("ned:read", org="R0A")  # a foundation trust


async def complete_board_appraisal(
    appraisal: Any, person_id: str, org_code: str, board_role: str | None
) -> str:
    """An ``appraisal.completed`` from the appraisal service: its own payload model, added to
    its outbox in a unit of work, then published by its relay to the broker. (Completing a
    board appraisal through its API also needs multi-source feedback and an FPPT date; the
    appraisal service's own tests drive that path.)"""
    from appraisal.appraisals.events import AppraisalCompleted

    appraisal_id = uuid.uuid4()
    board = board_role is not None
    codes = (
        [
            "high_quality_sustainable_outcomes",
            "strategy_and_transformation",
            "equality_and_inclusion",
            "governance_and_assurance",
            "compassionate_just_culture",
            "partners_and_communities",
        ]
        if board
        else list(flows.APPRAISAL_CONTENT["behaviour_scores"])
    )
    event = AppraisalCompleted.model_validate(
        {
            "appraisal_id": appraisal_id,
            "person_id": person_id,
            "org_code": org_code,
            "kind": "board" if board else "staff",
            "band": None if board else "7",
            "board_role": board_role,
            "band_or_role": board_role if board else "7",
            "cycle_year": 2026,
            "cycle_start": "2026-04-01",
            "template_version": "2026.1",
            "performance_outcome": "meets",
            "behaviour_outcome": "meets",
            "behaviour_framework": "lcf_2024" if board else "nhs_values",
            "behaviour_scores": [{"code": code, "score": "often"} for code in codes],
            "aspirations": flows.APPRAISAL_CONTENT["aspirations"],
            "development_programme_codes": [],
            "edi_objective_set": True,
            "appraisee_disagreement_recorded": False,
            "appraiser_id": "900001",
            "completed_at": datetime.now(UTC),
        }
    )
    async with UnitOfWork(appraisal.db, service_name="appraisal") as uow:
        await uow.publish(event)
        await uow.commit()
    return str(appraisal_id)


async def board(ned: Any, org_code: str, holders: dict[str, str]) -> None:
    """Board members in post (seat holders come from appointments taking effect, tested with
    the FPPT; the board is set up directly here)."""
    async with ned.db.session() as session, session.begin():
        for person_id, role in holders.items():
            session.add(
                Seat(
                    id=uuid.uuid4(),
                    org_code=org_code,
                    role=role,
                    title=role,
                    voting=True,
                    holder_person_id=person_id,
                    version=1,
                )
            )


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {m["person_id"]: m["status"] for m in report["members"]}


async def test_board_appraisal_compliance_from_appraisal_completed(start_service) -> None:
    run = uuid.uuid4().hex[:6]
    chair, ned_a, ned_b, staff = (f"{p}{run}" for p in ("C", "A", "B", "S"))
    ft_chair, ft_ned = f"FC{run}", f"FN{run}"
    async with (
        start_service("appraisal", run_workers=True) as appraisal,
        start_service("ned", run_workers=True) as ned,
    ):
        await board(ned, "RR8", {chair: "chair", ned_a: "non_executive", ned_b: "non_executive"})
        await board(ned, "R0A", {ft_chair: "chair", ft_ned: "non_executive"})
        await complete_board_appraisal(appraisal, chair, "RR8", "chair")
        await complete_board_appraisal(appraisal, ned_a, "RR8", "non_executive")
        await complete_board_appraisal(appraisal, staff, "RR8", None)
        await complete_board_appraisal(appraisal, ft_chair, "R0A", "chair")

        async def leeds_report(as_of: str) -> dict[str, Any]:
            response = await ned.client.get(
                f"/v1/boards/RR8/appraisal-compliance?cycle_year=2026&as_of={as_of}",
                headers=LEEDS,
            )
            assert response.status_code == 200, response.text
            report: dict[str, Any] = response.json()
            return report

        async def both_projected() -> bool:
            report = await leeds_report("2026-07-01")
            return statuses(report)[chair] != "overdue" and statuses(report)[ned_a] != "due"

        await eventually(both_projected, timeout=30)
        # Judged on 1 July 2026 (after the chairs' deadline, before the NEDs'): the appraisals
        # completed today, 22 November 2026 or later, are late against their deadlines.
        july = await leeds_report("2026-07-01")
        assert statuses(july) == {chair: "appraised_late", ned_a: "appraised_late", ned_b: "due"}
        assert july["national_deadlines_apply"] is True
        by_person = {m["person_id"]: m for m in july["members"]}
        assert by_person[chair]["deadline"] == "2026-06-30"
        assert by_person[ned_b]["deadline"] == "2026-09-30"
        assert by_person[chair]["appraisal_id"] is not None
        october = await leeds_report("2026-10-01")
        assert statuses(october)[ned_b] == "overdue"
        assert october["counts"]["overdue"] == 1

        # A foundation trust's board appraisals are held locally: nobody is ever overdue.
        async def ft_report() -> dict[str, Any]:
            response = await ned.client.get(
                "/v1/boards/R0A/appraisal-compliance?cycle_year=2026&as_of=2026-12-31",
                headers=MANCHESTER,
            )
            report: dict[str, Any] = response.json()
            return report

        await eventually(lambda: _appraised(ft_report, ft_chair), timeout=30)
        ft = await ft_report()
        assert ft["national_deadlines_apply"] is False
        assert statuses(ft) == {ft_chair: "appraised", ft_ned: "local"}

        # Reopened, the NED's appraisal no longer counts until it completes again.
        from appraisal.appraisals.events import AppraisalReopened

        reopened = AppraisalReopened.model_validate(
            {
                "appraisal_id": by_person[ned_a]["appraisal_id"],
                "person_id": ned_a,
                "org_code": "RR8",
                "kind": "board",
                "cycle_year": 2026,
                "reason_code": "late_evidence",
                "reopened_at": datetime.now(UTC),
            }
        )
        async with UnitOfWork(appraisal.db, service_name="appraisal") as uow:
            await uow.publish(reopened)
            await uow.commit()

        async def ned_a_overdue_again() -> bool:
            return statuses(await leeds_report("2026-10-01"))[ned_a] == "overdue"

        await eventually(ned_a_overdue_again, timeout=30)

        # The staff member's appraisal was not a board appraisal and was not kept. The topic is
        # shared with the other tests of the run, so "handled" means: every event this test's
        # appraisal service published (its own fresh outbox) is in ned's inbox.
        async with appraisal.db.session() as session:
            published = set(await session.scalars(select(func.cast(outbox.c.id, String))))
        assert len(published) == 5

        async def all_five_handled() -> bool:
            async with ned.db.session() as session:
                handled = set(await session.scalars(select(inbox.c.event_id)))
            return published <= handled

        await eventually(all_five_handled, timeout=30)
        async with ned.db.session() as session:
            kept = set(await session.scalars(select(BoardAppraisal.person_id)))
        assert kept & {chair, ned_a, ned_b, staff, ft_chair, ft_ned} == {chair, ned_a, ft_chair}
        refused = await ned.client.get(
            "/v1/boards/RR8/appraisal-compliance", headers=auth("ned:read", org="RJ1")
        )
        assert refused.status_code == 403


async def _appraised(report: Any, person_id: str) -> bool:
    return bool(statuses(await report())[person_id] == "appraised")
