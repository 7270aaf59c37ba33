"""The curriculum: programmes with the standards and levels they cover, their mode and
composition (the EDI module inside both Messenger programmes), and bundles that together meet
a level, checked against the level's published standards."""

from devstack.testing import auth
from standards.programmes.domain import uncovered_standards

READ = "standards:read"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


async def test_programmes_show_mode_and_composition(start_service) -> None:
    async with start_service("standards") as svc:

        async def programme(code: str) -> dict:
            response = await svc.client.get(f"/v1/programmes/{code}", headers=auth(READ))
            assert response.status_code == 200, response.text
            return response.json()

        edi = await programme("NHS-EDI-MODULE")
        # Messenger recommendation 2: EDI inside the induction and the mid-career programme.
        assert edi["part_of"] == ["NHS-INDUCTION", "NHS-MID-CAREER"]
        assert edi["mode"] == "online"
        assert edi["standards"] == [
            {"code": "CSTF-EDHR", "provisional": False},
            {"code": "LCF-2024-D3", "provisional": False},
        ]
        mid_career = await programme("NHS-MID-CAREER")
        # Recommendation 4: appraisal skills in the manager's training.
        assert mid_career["components"] == ["NHS-APPRAISAL-SKILLS", "NHS-EDI-MODULE"]
        assert mid_career["levels"] == ["middle"]
        assert (await programme("NHS-INDUCTION"))["components"] == ["NHS-EDI-MODULE"]

        seacole = await programme("NLA-MARY-SEACOLE")
        assert (seacole["mode"], seacole["duration_months"]) == ("blended", 6)
        director = await programme("NLA-DIRECTOR")
        assert director["levels"] == ["executive"]
        assert director["mode"] is None  # not published: not made up

        fire = await programme("CSTF-FIRE-SAFETY")
        assert fire["category"] == "statutory_mandatory"
        assert fire["validity_months"] == 24
        assert fire["standards"] == [{"code": "CSTF-FIRE-SAFETY", "provisional": False}]
        resus = await programme("CSTF-RESUSCITATION")
        assert (resus["audience"], resus["validity_months"]) == ("Clinical staff", 12)


async def test_bundles_meet_their_levels(start_service) -> None:
    async with start_service("standards") as svc:
        listed = await svc.client.get("/v1/bundles", params={"limit": 4}, headers=auth(READ))
        assert listed.status_code == 200, listed.text
        page = listed.json()
        rest = await svc.client.get(
            "/v1/bundles", params={"cursor": page["next_cursor"]}, headers=auth(READ)
        )
        bundles = page["items"] + rest.json()["items"]
        assert [b["code"] for b in bundles] == [
            "BUNDLE-BOARD",
            "BUNDLE-ENTRY",
            "BUNDLE-EXECUTIVE",
            "BUNDLE-FIRST-LINE",
            "BUNDLE-MIDDLE",
            "BUNDLE-SENIOR",
        ]
        assert all(b["provisional"] for b in bundles)
        # Every seeded bundle covers every standard its level's published frameworks set.
        assert {b["code"]: b["uncovered_standards"] for b in bundles} == {
            b["code"]: [] for b in bundles
        }

        first_line = await svc.client.get("/v1/bundles/bundle-first-line", headers=auth(READ))
        assert first_line.status_code == 200
        assert first_line.headers["etag"].startswith('"1-')
        body = first_line.json()
        assert body["level"] == "first_line"
        assert [p["code"] for p in body["programmes"]] == [
            "NLA-MARY-SEACOLE",
            "NHS-EDI-MODULE",
            "NHS-APPRAISAL-SKILLS",
        ]
        assert body["level_standards"] == ["MLF-2025-CODE-OF-PRACTICE", "MLF-2025-FIRST-LINE"]

        board = (await svc.client.get("/v1/bundles/BUNDLE-BOARD", headers=auth(READ))).json()
        assert board["level_standards"] == [
            *(f"LCF-2024-D{n}" for n in range(1, 7)),
            "MLF-2025-CODE-OF-PRACTICE",
        ]

        senior = await svc.client.get("/v1/bundles", params={"level": "senior"}, headers=auth(READ))
        assert [b["code"] for b in senior.json()["items"]] == ["BUNDLE-SENIOR"]
        _problem(await svc.client.get("/v1/bundles/NOPE", headers=auth(READ)), 404)
        _problem(await svc.client.get("/v1/bundles?level=captain", headers=auth(READ)), 422)
        _problem(await svc.client.get("/v1/bundles"), 401)


def test_uncovered_standards_are_what_no_programme_covers() -> None:
    assert uncovered_standards(["A", "B", "C"], ["B", "X"]) == ["A", "C"]
    assert uncovered_standards(["A"], ["A", "A"]) == []
