"""Bulk completion imports: a few thousand rows with bad ones among them; every bad row is
reported with its reasons, every good one is stored with its events (the 100,000-row run is
in bench/standards_import.py)."""

import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from devstack.testing import auth
from shared.tables import outbox
from standards.learning.models import Credential, LearnerRecord

ADMIN = "standards:admin standards:read national"
WRITE = "standards:write standards:read national"
NDJSON = {"Content-Type": "application/x-ndjson"}


async def _count(svc, statement) -> int:
    async with svc.db.session() as session:
        return int(await session.scalar(statement))


async def _outbox_types(svc, batch: str) -> dict[str, int]:
    async with svc.db.session() as session:
        rows = await session.execute(
            select(outbox.c.type, func.count())
            .where(outbox.c.key.like(f"{batch}%"))
            .group_by(outbox.c.type)
        )
        return {type_: count for type_, count in rows}


async def _provider(svc, *accredited: str) -> str:
    created = await svc.client.post(
        "/v1/providers", json={"name": f"Provider {uuid.uuid4().hex[:6]}"}, headers=auth(ADMIN)
    )
    provider_id = created.json()["id"]
    for code in accredited:
        decision = await svc.client.post(
            f"/v1/providers/{provider_id}/accreditations",
            json={"programme_code": code, "status": "accredited", "valid_from": "2024-01-01"},
            headers=auth(ADMIN),
        )
        assert decision.status_code == 201, decision.text
    return provider_id


def _ndjson(rows: list) -> bytes:
    return "\n".join(row if isinstance(row, str) else json.dumps(row) for row in rows).encode()


async def test_a_bulk_import_reports_every_bad_row_and_stores_every_good_one(start_service) -> None:
    async with start_service("standards") as svc:
        accredited = await _provider(svc, "NHS-EDI-MODULE")
        unaccredited = await _provider(svc)
        batch = uuid.uuid4().hex[:6]
        base = datetime.now(UTC) - timedelta(days=100)
        rows: list = []
        expected_bad: dict[int, str] = {}
        good_accredited = good_plain = 0
        for n in range(3_000):
            person = f"{batch}{n:05d}"
            row = {
                "person_id": person,
                "programme_code": "NHS-EDI-MODULE" if n % 2 else "NHS-INDUCTION",
                "completed_at": (base + timedelta(minutes=n)).isoformat(),
                "org_code": "RR8",
            }
            if n % 2:
                row["provider_id"] = accredited if n % 3 else unaccredited
            line = n + 1
            if n % 97 == 5:
                row["programme_code"] = "NO-SUCH-PROGRAMME"
                expected_bad[line] = "programme_code"
            elif n % 97 == 11:
                row["completed_at"] = (datetime.now(UTC) + timedelta(days=2)).isoformat()
                expected_bad[line] = "completed_at"
            elif n % 97 == 17:
                row["provider_id"] = str(uuid.uuid4())
                expected_bad[line] = "provider_id"
            elif n % 97 == 23:
                del row["org_code"]  # unknown person, no organisation given
                expected_bad[line] = "org_code"
            elif n % 97 == 29:
                row["completed_at"] = "2026-13-45"
                expected_bad[line] = "completed_at"
            elif n % 97 == 31:
                rows.append("{not json")
                expected_bad[line] = "line"
                continue
            elif n % 97 == 37:
                row["person_id"] = "has spaces!"
                expected_bad[line] = "person_id"
            elif n % 97 == 41:
                row["org_code"] = "RX1"  # out of the importing token's reach (bound to RR8)
                expected_bad[line] = "org_code"
            else:
                if "provider_id" in row and row["provider_id"] == accredited:
                    good_accredited += 1
                else:
                    good_plain += 1
            rows.append(row)
        # The same completion twice in one upload: the second is reported.
        rows.append(dict(rows[0]))
        expected_bad[len(rows)] = "line"
        good = good_accredited + good_plain

        response = await svc.client.post(
            "/v1/completions:import",
            content=_ndjson(rows),
            headers=auth("standards:write standards:read", org="RR8") | NDJSON,
        )
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["rows"] == len(rows)
        assert report["rejected"] == len(expected_bad)
        assert report["recorded"] == good
        assert report["accredited"] == good_accredited
        assert {r["line"]: r["errors"][0]["path"] for r in report["rejections"]} == expected_bad
        assert all(r["errors"][0]["message"] for r in report["rejections"])
        # The person number is echoed only when it is one.
        by_line = {r["line"]: r for r in report["rejections"]}
        assert by_line[6]["person_id"] == f"{batch}00005"
        assert by_line[38]["person_id"] is None
        # A rejection for reach names no organisation.
        assert "RX1" not in json.dumps(by_line[42])

        stored = await _count(
            svc, select(func.count()).where(LearnerRecord.person_id.like(f"{batch}%"))
        )
        assert stored == good
        credentials = await _count(
            svc, select(func.count()).where(Credential.person_id.like(f"{batch}%"))
        )
        assert credentials == good_accredited
        events = await _outbox_types(svc, batch)
        assert events["leadership.training.completed.v1"] == good
        assert events["leadership.training.accredited.v1"] == good_accredited
        assert report["events_published"] == sum(events.values())

        # A stored row reads like one recorded on its own.
        one = await svc.client.get(f"/v1/learners/{batch}00001/records", headers=auth(WRITE))
        (record,) = one.json()["items"]
        assert record["accredited"] is True
        assert record["credential"]["expires_at"] is not None
        credential = await svc.client.get(
            f"/v1/credentials/{record['credential']['credential_id']}", headers=auth(WRITE)
        )
        assert credential.status_code == 200, credential.text

        # Sent again: nothing is stored twice, every row is reported as already recorded.
        again = await svc.client.post(
            "/v1/completions:import",
            content=_ndjson(rows),
            headers=auth("standards:write standards:read", org="RR8") | NDJSON,
        )
        repeat = again.json()
        assert repeat["recorded"] == 0
        assert repeat["events_published"] == 0
        already = [r for r in repeat["rejections"] if r["errors"][0]["type"] == "already_recorded"]
        assert len(already) == good
        assert (
            await _count(svc, select(func.count()).where(LearnerRecord.person_id.like(f"{batch}%")))
            == good
        )


async def test_csv_imports_idempotency_and_upload_errors(start_service) -> None:
    async with start_service("standards", completions_import_max_rows=5) as svc:
        provider = await _provider(svc, "NHS-EDI-MODULE")
        batch = uuid.uuid4().hex[:6]
        csv = (
            "Person ID,Programme Code,Completed At,Provider ID,Org Code\n"
            f"{batch}1,nhs-edi-module,2026-01-10T09:00:00Z,{provider},rr8\n"
            f"{batch}2,NHS-INDUCTION,2026-01-11T09:00:00+01:00,,RR8\n"
            "\n"
            f"{batch}3,NHS-INDUCTION,yesterday,,RR8\n"
        ).encode()
        headers = auth(WRITE) | {"Content-Type": "text/csv", "Idempotency-Key": f"csv-{batch}"}
        first = await svc.client.post("/v1/completions:import", content=csv, headers=headers)
        assert first.status_code == 200, first.text
        report = first.json()
        assert (report["rows"], report["recorded"], report["accredited"]) == (3, 2, 1)
        assert [(r["line"], r["errors"][0]["path"]) for r in report["rejections"]] == [
            (5, "completed_at")
        ]
        replay = await svc.client.post("/v1/completions:import", content=csv, headers=headers)
        assert replay.json() == report
        assert replay.headers["idempotent-replayed"] == "true"
        events = await _outbox_types(svc, batch)
        assert events == {
            "leadership.training.completed.v1": 2,
            "leadership.training.accredited.v1": 1,
        }

        def problem(response, status: int) -> dict:
            assert response.status_code == status, response.text
            assert response.headers["content-type"] == "application/problem+json"
            return response.json()

        url = "/v1/completions:import"
        problem(
            await svc.client.post(
                url, content=b"x", headers=auth(WRITE) | {"Content-Type": "application/json"}
            ),
            415,
        )
        too_many = _ndjson(
            [{"person_id": f"{batch}{n}", "programme_code": "NHS-INDUCTION"} for n in range(6)]
        )
        problem(await svc.client.post(url, content=too_many, headers=auth(WRITE) | NDJSON), 413)
        header = problem(
            await svc.client.post(
                url,
                content=b"person_id,programme,completed_at\n",
                headers=auth(WRITE) | {"Content-Type": "text/csv"},
            ),
            422,
        )
        assert {e["path"] for e in header["errors"]} == {
            "header.programme",
            "header.programme_code",
        }
        problem(await svc.client.post(url, content=b"\n\n", headers=auth(WRITE) | NDJSON), 422)
        problem(await svc.client.post(url, content=b"\xff\xfe", headers=auth(WRITE) | NDJSON), 400)
        problem(
            await svc.client.post(url, content=b"{}", headers=auth("standards:read") | NDJSON),
            403,
        )
