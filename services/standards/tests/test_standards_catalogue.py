"""The programme catalogue seeded by the data migration, and training providers."""

import uuid

from devstack.testing import auth

READ = "standards:read"
ADMIN = "standards:admin standards:read"
CSTF_PROGRAMMES = [
    "CSTF-CONFLICT-RESOLUTION",
    "CSTF-FIRE-SAFETY",
    "CSTF-HSW",
    "CSTF-IG-DATA-SECURITY",
    "CSTF-IPC",
    "CSTF-MOVING-HANDLING",
    "CSTF-PREVENT",
    "CSTF-RESUSCITATION",
    "CSTF-SAFEGUARDING-ADULTS",
    "CSTF-SAFEGUARDING-CHILDREN",
]
LADDER = [
    "NLA-EDWARD-JENNER",
    "NLA-MARY-SEACOLE",
    "NLA-ROSALIND-FRANKLIN",
    "NLA-ELIZABETH-GARRETT-ANDERSON",
    "NLA-NYE-BEVAN",
]


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    return body


async def test_the_seeded_catalogue_pages_through_every_programme(start_service) -> None:
    async with start_service("standards") as svc:
        codes: list[str] = []
        cursor = None
        while True:
            params = {"limit": 4, **({"cursor": cursor} if cursor else {})}
            response = await svc.client.get("/v1/programmes", params=params, headers=auth(READ))
            assert response.status_code == 200
            page = response.json()
            codes += [item["code"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert codes == sorted(codes)
        assert set(codes) == {
            *LADDER,
            "NLA-DIRECTOR",
            "NHS-INDUCTION",
            "NHS-MID-CAREER",
            "NHS-EDI-MODULE",
            "NHS-APPRAISAL-SKILLS",
            *CSTF_PROGRAMMES,
        }

        seacole = await svc.client.get("/v1/programmes/nla-mary-seacole", headers=auth(READ))
        assert seacole.status_code == 200
        assert seacole.headers["etag"].startswith('"1-')
        body = seacole.json()
        assert body["title"] == "Mary Seacole programme"
        assert body["category"] == "leadership"
        assert body["levels"] == ["first_line"]
        assert body["duration_months"] == 6
        assert body["award"] == "Award in Healthcare Leadership"
        assert body["provisional"] is False
        # MLF standards are not published: the code is the platform's own, marked as such.
        assert body["standards"] == [{"code": "MLF-2025-FIRST-LINE", "provisional": True}]

        bevan = (await svc.client.get("/v1/programmes/NLA-NYE-BEVAN", headers=auth(READ))).json()
        lcf = [s for s in bevan["standards"] if s["code"].startswith("LCF-2024-")]
        assert len(lcf) == 6 and not any(s["provisional"] for s in lcf)
        assert "board" in bevan["levels"]

        edi = (await svc.client.get("/v1/programmes/NHS-EDI-MODULE", headers=auth(READ))).json()
        assert edi["category"] == "statutory_mandatory"
        assert edi["validity_months"] == 36
        induction = (
            await svc.client.get("/v1/programmes/NHS-INDUCTION", headers=auth(READ))
        ).json()
        assert induction["provisional"] is True and induction["levels"] == ["entry"]

        board = await svc.client.get("/v1/programmes?level=board", headers=auth(READ))
        assert {p["code"] for p in board.json()["items"]} == {
            "NHS-EDI-MODULE",
            "NHS-APPRAISAL-SKILLS",
            "NLA-NYE-BEVAN",
            *CSTF_PROGRAMMES,
        }
        mandatory = await svc.client.get(
            "/v1/programmes", params={"category": "statutory_mandatory"}, headers=auth(READ)
        )
        assert [p["code"] for p in mandatory.json()["items"]] == [
            *CSTF_PROGRAMMES,
            "NHS-EDI-MODULE",
        ]


async def test_catalogue_errors_are_problems(start_service) -> None:
    async with start_service("standards") as svc:
        _problem(await svc.client.get("/v1/programmes"), 401)
        _problem(await svc.client.get("/v1/programmes", headers=auth("appraisal:read")), 403)
        _problem(await svc.client.get("/v1/programmes/NOPE-1", headers=auth(READ)), 404)
        _problem(await svc.client.get("/v1/programmes/bad code!", headers=auth(READ)), 422)
        bad = _problem(
            await svc.client.get("/v1/programmes?level=captain", headers=auth(READ)), 422
        )
        assert bad["errors"][0]["path"] == "query.level"
        _problem(await svc.client.get("/v1/programmes?cursor=garbage", headers=auth(READ)), 422)
        _problem(await svc.client.get("/v1/programmes?limit=0", headers=auth(READ)), 422)


async def test_provider_registration_is_idempotent_and_validated(start_service) -> None:
    async with start_service("standards") as svc:
        key = {"Idempotency-Key": str(uuid.uuid4())}
        body = {"name": "North West Leadership Academy", "ukprn": "10012345", "org_code": "rw6"}
        first = await svc.client.post("/v1/providers", json=body, headers=auth(ADMIN) | key)
        assert first.status_code == 201, first.text
        provider = first.json()
        assert provider["org_code"] == "RW6"
        assert provider["accreditations"] == []
        assert first.headers["location"] == f"/v1/providers/{provider['id']}"

        again = await svc.client.post("/v1/providers", json=body, headers=auth(ADMIN) | key)
        assert again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json()["id"] == provider["id"]
        reused = await svc.client.post(
            "/v1/providers", json={**body, "name": "Other"}, headers=auth(ADMIN) | key
        )
        _problem(reused, 422)

        # Without the key the same UKPRN is a second registration: refused.
        _problem(await svc.client.post("/v1/providers", json=body, headers=auth(ADMIN)), 409)

        fetched = await svc.client.get(f"/v1/providers/{provider['id']}", headers=auth(READ))
        assert fetched.status_code == 200
        assert fetched.headers["etag"] == first.headers["etag"]

        listed = await svc.client.get("/v1/providers", headers=auth(READ))
        assert [p["id"] for p in listed.json()["items"]] == [provider["id"]]

        _problem(await svc.client.post("/v1/providers", json=body, headers=auth(READ)), 403)
        for invalid in (
            {"name": ""},
            {"name": "x" * 201},
            {"name": "Tab\tName"},
            {"name": "A", "ukprn": "999"},
            {"name": "A", "org_code": "not an ods"},
            {"name": "A", "surprise": 1},
            {},
        ):
            _problem(await svc.client.post("/v1/providers", json=invalid, headers=auth(ADMIN)), 422)
        _problem(
            await svc.client.post(
                "/v1/providers",
                content=b"{not json",
                headers=auth(ADMIN) | {"content-type": "application/json"},
            ),
            400,
        )
        _problem(await svc.client.get(f"/v1/providers/{uuid.uuid4()}", headers=auth(READ)), 404)
        _problem(await svc.client.get("/v1/providers/not-a-uuid", headers=auth(READ)), 422)
