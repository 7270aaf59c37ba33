"""Versioned frameworks: the seeded content served in full, immutability of published versions,
and the draft → published → retired lifecycle over HTTP with the `framework.published` it
writes to the outbox (no relay runs here, so the rows stay where the test can read them)."""

import copy

import pytest
from sqlalchemy import select

from devstack.testing import auth
from shared.tables import outbox
from standards.frameworks import domain

READ = "standards:read"
ADMIN = "standards:admin standards:read"
PROBLEM = "application/problem+json"

LCF_DOMAINS = [
    "Driving high quality and sustainable outcomes",
    "Setting strategy and delivering long-term transformation",
    "Promoting equality and inclusion, and reducing health and workforce inequalities",
    "Providing robust governance and assurance",
    "Creating a compassionate, just and positive culture",
    "Building a trusted relationship with partners and communities",
]
NHS_VALUES = [
    "Working together for patients",
    "Respect and dignity",
    "Commitment to quality of care",
    "Compassion",
    "Improving lives",
    "Everyone counts",
]


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    return body


async def _outbox_types(svc) -> list[tuple[str, str, dict]]:
    async with svc.db.session() as session:
        rows = await session.execute(select(outbox).order_by(outbox.c.seq))
        return [(row.type, row.key, row.payload) for row in rows]


def _draft_body(version: str) -> dict:
    """A 2026 draft of the board framework: D3 renamed, the rest carried over."""
    domains = []
    for n, title in enumerate(LCF_DOMAINS, start=1):
        code = f"LCF-2026-D{n}"
        domains.append(
            {
                "code": f"D{n}",
                "title": title,
                "standards": [
                    {
                        "code": code,
                        "title": title,
                        "statement": f"Board members show competence in domain {n}.",
                        "levels": ["board", "executive"],
                        "predecessor_code": f"LCF-2024-D{n}",
                    }
                ],
            }
        )
    return {
        "version": version,
        "title": "Board leadership standards (draft)",
        "predecessor_version": "2024",
        "domains": domains,
        "rating_scale": [
            {"code": "almost_always", "label": "Almost always", "proficient": True},
            {"code": "sometimes", "label": "Sometimes", "proficient": False},
            {
                "code": "no_chance_to_demonstrate",
                "label": "No chance to demonstrate",
                "proficient": False,
            },
        ],
    }


async def test_the_seeded_frameworks_are_served_in_full(start_service) -> None:
    async with start_service("standards") as svc:
        listed = await svc.client.get("/v1/frameworks", headers=auth(READ))
        assert listed.status_code == 200, listed.text
        frameworks = {item["code"]: item for item in listed.json()["items"]}
        assert list(frameworks) == ["CSTF", "LCF-BOARD", "MLS", "NHS-VALUES"]
        assert {code: [v["status"] for v in f["versions"]] for code, f in frameworks.items()} == {
            "CSTF": ["published"],
            "LCF-BOARD": ["published"],
            "MLS": ["published"],
            "NHS-VALUES": ["published"],
        }

        lcf = await svc.client.get("/v1/frameworks/lcf-board/versions/2024", headers=auth(READ))
        assert lcf.status_code == 200, lcf.text
        assert lcf.headers["etag"].startswith('"1-')
        tree = lcf.json()
        assert tree["status"] == "published"
        assert tree["published_at"].startswith("2024-02-28")
        assert [d["title"] for d in tree["domains"]] == LCF_DOMAINS
        assert [s["code"] for d in tree["domains"] for s in d["standards"]] == [
            f"LCF-2024-D{n}" for n in range(1, 7)
        ]
        assert all(s["levels"] == ["board"] for d in tree["domains"] for s in d["standards"])
        equality = tree["domains"][2]["standards"][0]
        assert any("racism" in example for example in equality["example_behaviours"])
        scale = tree["rating_scale"]
        assert scale[0] == {
            "code": "almost_always",
            "label": "Almost always",
            "proficient": True,
            "provisional": False,
        }
        assert scale[-1]["label"] == "No chance to demonstrate"
        assert scale[-1]["proficient"] is False
        # The points between the published ends are not confirmed: marked as such.
        assert all(item["provisional"] for item in scale[1:-1])

        values = (
            await svc.client.get("/v1/frameworks/NHS-VALUES/versions/1", headers=auth(READ))
        ).json()
        standards = values["domains"][0]["standards"]
        assert [s["title"] for s in standards] == NHS_VALUES
        assert standards[1]["code"] == "NHS-VALUE-RESPECT-AND-DIGNITY"
        assert all(len(s["levels"]) == 6 for s in standards)

        cstf = (await svc.client.get("/v1/frameworks/CSTF/versions/1.0", headers=auth(READ))).json()
        subjects = {s["code"]: s for s in cstf["domains"][0]["standards"]}
        assert len(subjects) == 11
        assert subjects["CSTF-EDHR"]["title"] == "Equality, diversity and human rights"
        assert subjects["CSTF-EDHR"]["refresher_months"] == 36
        assert subjects["CSTF-RESUSCITATION"]["refresher_months"] == 12
        assert all(s["refresher_months"] for s in subjects.values())

        mls = (await svc.client.get("/v1/frameworks/MLS/versions/2025", headers=auth(READ))).json()
        assert mls["provisional"] is True
        mls_standards = [s for d in mls["domains"] for s in d["standards"]]
        assert all(s["provisional"] for s in mls_standards)
        assert {s["code"] for s in mls_standards} >= {
            "MLF-2025-CODE-OF-PRACTICE",
            "MLF-2025-FIRST-LINE",
            "MLF-2025-MIDDLE",
        }

        # Every standard a programme names is a standard of a published framework.
        framework_codes = set()
        for code, version in (("LCF-BOARD", "2024"), ("NHS-VALUES", "1"), ("CSTF", "1.0")):
            body = (
                await svc.client.get(
                    f"/v1/frameworks/{code}/versions/{version}", headers=auth(READ)
                )
            ).json()
            framework_codes |= {s["code"] for d in body["domains"] for s in d["standards"]}
        framework_codes |= {s["code"] for s in mls_standards}
        programmes = (
            await svc.client.get("/v1/programmes", params={"limit": 200}, headers=auth(READ))
        ).json()["items"]
        named = {s["code"] for p in programmes for s in p["standards"]}
        assert named <= framework_codes, named - framework_codes

        _problem(await svc.client.get("/v1/frameworks/NOPE", headers=auth(READ)), 404)
        _problem(
            await svc.client.get("/v1/frameworks/LCF-BOARD/versions/1999", headers=auth(READ)),
            404,
        )


async def test_published_versions_cannot_change(start_service) -> None:
    async with start_service("standards") as svc:
        path = "/v1/frameworks/LCF-BOARD/versions/2024"
        current = await svc.client.get(path, headers=auth(READ))
        etag = current.headers["etag"]
        content = {key: current.json()[key] for key in ("title", "domains", "rating_scale")}
        content["title"] = "Edited after publication"

        refused = _problem(
            await svc.client.put(path, json=content, headers={**auth(ADMIN), "If-Match": etag}),
            409,
        )
        assert "published" in refused["detail"]
        again = _problem(
            await svc.client.post(f"{path}/publish", headers={**auth(ADMIN), "If-Match": etag}),
            409,
        )
        assert again["current_status"] == "published"
        after = await svc.client.get(path, headers=auth(READ))
        assert after.json() == current.json()
        assert after.headers["etag"] == etag
        assert await _outbox_types(svc) == []


async def test_a_draft_is_edited_published_and_its_predecessor_retired(start_service) -> None:
    async with start_service("standards") as svc:
        base = "/v1/frameworks/LCF-BOARD/versions"
        body = _draft_body("2026")
        _problem(await svc.client.post(base, json=body, headers=auth(READ)), 403)
        created = await svc.client.post(base, json=body, headers=auth(ADMIN))
        assert created.status_code == 201, created.text
        assert created.headers["location"] == f"{base}/2026"
        draft = created.json()
        assert draft["status"] == "draft"
        assert draft["published_at"] is None
        assert draft["domains"][0]["standards"][0]["predecessor_code"] == "LCF-2024-D1"
        assert draft["domains"][0]["standards"][0]["levels"] == ["executive", "board"]
        _problem(await svc.client.post(base, json=body, headers=auth(ADMIN)), 409)

        # Edits need the current ETag: 428 without, 412 when stale.
        edit = {k: v for k, v in copy.deepcopy(body).items() if k != "version"}
        edit["domains"][2]["title"] = "Leading for equality"
        edit["domains"][2]["standards"][0]["example_behaviours"] = ["Sets an EDI objective"]
        _problem(await svc.client.put(f"{base}/2026", json=edit, headers=auth(ADMIN)), 428)
        edited = await svc.client.put(
            f"{base}/2026", json=edit, headers={**auth(ADMIN), "If-Match": created.headers["etag"]}
        )
        assert edited.status_code == 200, edited.text
        assert edited.json()["revision"] == 2
        assert edited.json()["domains"][2]["title"] == "Leading for equality"
        _problem(
            await svc.client.put(
                f"{base}/2026",
                json=edit,
                headers={**auth(ADMIN), "If-Match": created.headers["etag"]},
            ),
            412,
        )
        read = await svc.client.get(f"{base}/2026", headers=auth(READ))
        assert read.json() == edited.json()
        assert await _outbox_types(svc) == []

        published = await svc.client.post(
            f"{base}/2026/publish", headers={**auth(ADMIN), "If-Match": edited.headers["etag"]}
        )
        assert published.status_code == 200, published.text
        assert published.json()["status"] == "published"
        assert published.json()["previous_version"] == "2024"
        [(event_type, key, payload)] = await _outbox_types(svc)
        assert event_type == "leadership.framework.published.v1"
        assert key == "LCF-BOARD"
        assert payload["code"] == "LCF-BOARD"
        assert payload["version"] == "2026"
        assert payload["previous_version"] == "2024"
        assert payload["published_at"] == published.json()["published_at"].replace("+00:00", "Z")

        # Now immutable like any published version.
        _problem(
            await svc.client.put(
                f"{base}/2026",
                json=edit,
                headers={**auth(ADMIN), "If-Match": published.headers["etag"]},
            ),
            409,
        )

        old = await svc.client.get(f"{base}/2024", headers=auth(READ))
        retired = await svc.client.post(
            f"{base}/2024/retire", headers={**auth(ADMIN), "If-Match": old.headers["etag"]}
        )
        assert retired.status_code == 200, retired.text
        assert retired.json()["status"] == "retired"
        assert retired.json()["retired_at"] is not None
        summary = (await svc.client.get("/v1/frameworks/LCF-BOARD", headers=auth(READ))).json()
        assert [(v["version"], v["status"]) for v in summary["versions"]] == [
            ("2024", "retired"),
            ("2026", "published"),
        ]
        # A retired version is still served in full: evidence names it.
        assert (await svc.client.get(f"{base}/2024", headers=auth(READ))).json()["domains"]


async def test_a_new_framework_starts_empty_and_takes_drafts(start_service) -> None:
    async with start_service("standards") as svc:
        created = await svc.client.post(
            "/v1/frameworks",
            json={"code": "trust-values", "title": "Trust values", "owner": "Leeds Teaching"},
            headers=auth(ADMIN),
        )
        assert created.status_code == 201, created.text
        assert created.json() == {
            "code": "TRUST-VALUES",
            "title": "Trust values",
            "owner": "Leeds Teaching",
            "source_url": None,
            "versions": [],
        }
        _problem(
            await svc.client.post(
                "/v1/frameworks", json={"code": "TRUST-VALUES", "title": "x"}, headers=auth(ADMIN)
            ),
            409,
        )
        _problem(
            await svc.client.post(
                "/v1/frameworks", json={"code": "bad code!", "title": "x"}, headers=auth(ADMIN)
            ),
            422,
        )


async def test_a_bad_tree_is_refused_with_every_reason(start_service) -> None:
    async with start_service("standards") as svc:
        base = "/v1/frameworks/LCF-BOARD/versions"
        body = _draft_body("2027")
        body["domains"][0]["standards"][0]["predecessor_code"] = "LCF-2024-D9"
        body["domains"][1]["standards"][0]["code"] = "LCF-2026-D1"  # a duplicate
        body["domains"][3]["standards"][0]["code"] = "CSTF-EDHR"  # another framework's
        body["rating_scale"] = [{"code": "never", "label": "Never", "proficient": False}]
        refused = _problem(await svc.client.post(base, json=body, headers=auth(ADMIN)), 422)
        messages = {error["path"]: error["message"] for error in refused["errors"]}
        assert messages["body.domains.0.standards.0.predecessor_code"] == (
            "version 2024 has no standard LCF-2024-D9"
        )
        assert "standard code LCF-2026-D1 appears more than once" in messages["body.domains"]
        assert messages["body.domains.3.standards.0.code"] == "CSTF-EDHR is a standard of CSTF"
        assert "proficient" in messages["body.rating_scale"]

        no_predecessor = _draft_body("2027")
        no_predecessor["predecessor_version"] = "2023"
        refused = _problem(
            await svc.client.post(base, json=no_predecessor, headers=auth(ADMIN)), 422
        )
        assert refused["errors"][0]["path"] == "body.predecessor_version"

        unknown_level = _draft_body("2027")
        unknown_level["domains"][0]["standards"][0]["levels"] = ["ward"]
        _problem(await svc.client.post(base, json=unknown_level, headers=auth(ADMIN)), 422)
        assert (await svc.client.get(f"{base}/2027", headers=auth(READ))).status_code == 404


def test_only_drafts_are_editable_and_the_lifecycle_runs_one_way() -> None:
    domain.check_editable("2026", domain.VersionStatus.DRAFT)
    for status in (domain.VersionStatus.PUBLISHED, domain.VersionStatus.RETIRED):
        with pytest.raises(domain.FrameworkVersionNotEditable):
            domain.check_editable("2024", status)
    domain.check_transition("1", domain.VersionStatus.DRAFT, domain.VersionStatus.PUBLISHED)
    domain.check_transition("1", domain.VersionStatus.PUBLISHED, domain.VersionStatus.RETIRED)
    for current, requested in (
        (domain.VersionStatus.DRAFT, domain.VersionStatus.RETIRED),
        (domain.VersionStatus.RETIRED, domain.VersionStatus.PUBLISHED),
        (domain.VersionStatus.PUBLISHED, domain.VersionStatus.PUBLISHED),
    ):
        with pytest.raises(domain.InvalidVersionTransition):
            domain.check_transition("1", current, requested)


def test_evidence_carries_forward_through_predecessor_standards() -> None:
    predecessors = {"LCF-2026-D1": "LCF-2024-D1", "LCF-2026-D2": None, "LCF-2026-D3": "X"}
    assert domain.carried_forward(["LCF-2024-D1", "LCF-2026-D2"], predecessors) == {
        "LCF-2026-D1",
        "LCF-2026-D2",
    }
    assert domain.carried_forward([], predecessors) == set()
