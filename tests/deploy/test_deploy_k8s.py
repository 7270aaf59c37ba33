"""The Kubernetes base, rendered by `kubectl kustomize deploy/k8s` and checked against the code.

Each container's environment is rebuilt from the rendered ConfigMaps, literal values and Secret
references (with stand-in values for the secrets, which the base only names), then read by the
service's own Settings class the way a pod reads it: production settings must validate.
"""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.settings import Environment, ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy" / "k8s"
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
# What a deployment must state even where the code has a default (the defaults fit the
# embedded development stack), plus what production verification of tokens needs.
DEPLOYMENT_SETTINGS = {
    "SERVICE_NAME",
    "ENVIRONMENT",
    "DATABASE_URL",
    "KAFKA_BOOTSTRAP_SERVERS",
    "KAFKA_ENABLE_IDEMPOTENCE",
    "JWT_SECRET",
    "JWKS_URL",
    "JWT_ALGORITHMS",
    "JWT_ISSUER",
    "JWT_AUDIENCE",
}
ASYMMETRIC = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}


def workspace_services() -> list[str]:
    members = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"][
        "members"
    ]
    return sorted(m.split("/", 1)[1] for m in members if m.startswith("services/"))


SERVICES = workspace_services()


def settings_class(service: str) -> type[ServiceSettings]:
    cls: type[ServiceSettings] = importlib.import_module(f"{service}.settings").Settings
    return cls


def setting_names(cls: type[ServiceSettings]) -> set[str]:
    assert cls.model_config.get("env_prefix", "") == ""
    return {name.upper() for name in cls.model_fields}


def entrypoint_ports() -> dict[str, int]:
    text = ENTRYPOINT.read_text()
    ports = {
        role: int(m.group(1))
        for role, var in (("api", "API_PORT"), ("worker", "WORKER_PORT"))
        if (m := re.search(rf'^{var}="\$\{{{var}:-(\d+)\}}"$', text, re.M))
    }
    assert set(ports) == {"api", "worker"}, "deploy/entrypoint.sh no longer sets its ports"
    return ports


def image_uid() -> int:
    users = [
        line.split()[1] for line in DOCKERFILE.read_text().splitlines() if line.startswith("USER ")
    ]
    return int(users[-1].split(":")[0])


@pytest.fixture(scope="module")
def rendered() -> dict[tuple[str, str], dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("needs kubectl (its built-in kustomize renders deploy/k8s); install kubectl")
    run = subprocess.run(
        [kubectl, "kustomize", str(BASE)], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    objects = [o for o in yaml.safe_load_all(run.stdout) if o]
    by_key = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    assert len(by_key) == len(objects), "two rendered objects share a kind and name"
    return by_key


@pytest.fixture(scope="module")
def kustomization() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    return loaded


def of_kind(rendered: Mapping[tuple[str, str], Any], kind: str) -> dict[str, Any]:
    return {name: o for (k, name), o in rendered.items() if k == kind}


def pod_spec(workload: Mapping[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def selects(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


# Secrets a service needs beyond the database URL and the JWT secret every service has.
SERVICE_SECRETS = {"standards": ("CREDENTIAL_SIGNING_KEY",)}


def container_env(
    container: Mapping[str, Any], rendered: Mapping[tuple[str, str], Any]
) -> tuple[dict[str, str], dict[str, str]]:
    """(environment with stand-ins for secrets, {variable: secret name})."""
    env: dict[str, str] = {}
    secrets: dict[str, str] = {}
    for source in container.get("envFrom", []):
        ref = source["configMapRef"]["name"]
        assert ("ConfigMap", ref) in rendered, f"envFrom names a missing ConfigMap {ref}"
        env.update({k: str(v) for k, v in rendered[("ConfigMap", ref)]["data"].items()})
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            secrets[item["name"]] = ref["name"]
            env[item["name"]] = f"stand-in-for-{ref['name']}-{ref['key']}"
    return env, secrets


def load_settings(
    cls: type[ServiceSettings], env: Mapping[str, str], monkeypatch: pytest.MonkeyPatch
) -> ServiceSettings:
    for name in setting_names(cls):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return cls()


def workloads(rendered: Mapping[tuple[str, str], Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(service, role, object) of every Deployment and Job."""
    found = []
    for kind in ("Deployment", "Job"):
        for name, obj in of_kind(rendered, kind).items():
            service, _, role = name.partition("-")
            found.append((service, role, obj))
    return found


def test_deploy_k8s_has_api_worker_and_migrate_for_every_service(
    rendered: dict[tuple[str, str], Any],
) -> None:
    assert set(of_kind(rendered, "Deployment")) == {
        f"{s}-{r}" for s in SERVICES for r in ("api", "worker")
    }
    assert set(of_kind(rendered, "Job")) == {f"{s}-migrate" for s in SERVICES}
    # Secrets are referenced, never carried by the base.
    assert not of_kind(rendered, "Secret")


def test_deploy_k8s_containers_run_the_image_as_its_unprivileged_user(
    rendered: dict[tuple[str, str], Any], kustomization: dict[str, Any]
) -> None:
    [image] = kustomization["images"]
    expected = f"{image['newName']}:{image['newTag']}"
    uid = image_uid()
    for service, role, obj in workloads(rendered):
        spec = pod_spec(obj)
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] == uid
        [container] = spec["containers"]
        assert container["image"] == expected, f"{service}-{role}"
        assert container["args"] == [role], f"{service}-{role} runs the wrong role"
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"][kind]), f"{service}-{role}"


def test_deploy_k8s_deployments_probe_health_and_readiness_on_the_entrypoint_ports(
    rendered: dict[tuple[str, str], Any],
) -> None:
    ports = entrypoint_ports()
    for name, deployment in of_kind(rendered, "Deployment").items():
        role = name.partition("-")[2]
        [container] = pod_spec(deployment)["containers"]
        named = {p["name"]: p["containerPort"] for p in container["ports"]}
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
            get = container[probe]["httpGet"]
            assert get["path"] == path, f"{name} {probe}"
            port = named.get(get["port"], get["port"])
            assert port == ports[role], f"{name} {probe} port {port} != {ports[role]}"


def test_deploy_k8s_environment_is_a_valid_production_configuration(
    rendered: dict[tuple[str, str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for service, role, obj in workloads(rendered):
        name = f"{service}-{role}"
        cls = settings_class(service)
        [container] = pod_spec(obj)["containers"]
        env, secrets = container_env(container, rendered)
        unknown = set(env) - setting_names(cls)
        assert not unknown, f"{name} sets variables its settings do not read: {sorted(unknown)}"
        no_default = {n.upper() for n, f in cls.model_fields.items() if f.is_required()}
        missing = (DEPLOYMENT_SETTINGS | no_default) - set(env)
        assert not missing, f"{name} lacks {sorted(missing)}"
        # Credentials come from the service's own Secret, never from a ConfigMap.
        assert set(secrets) == {"DATABASE_URL", "JWT_SECRET", *SERVICE_SECRETS.get(service, ())}, (
            name
        )
        assert set(secrets.values()) == {f"{service}-secrets"}, name

        settings = load_settings(cls, env, monkeypatch)  # raises if production would refuse
        assert settings.service_name == service
        assert settings.environment is Environment.PRODUCTION
        assert settings.jwks_url and settings.jwks_url.startswith("https://")
        assert set(settings.jwt_algorithms) <= ASYMMETRIC
        assert settings.jwt_issuer and settings.jwt_audience
        assert settings.kafka_enable_idempotence is True
        if role == "api":
            assert settings.run_workers is False, f"{name} must leave the event work to workers"


def test_deploy_k8s_every_api_has_service_autoscaler_and_disruption_budget(
    rendered: dict[tuple[str, str], Any],
) -> None:
    deployments = of_kind(rendered, "Deployment")
    pods = {n: d["spec"]["template"]["metadata"]["labels"] for n, d in deployments.items()}
    autoscalers = of_kind(rendered, "HorizontalPodAutoscaler")
    budgets = of_kind(rendered, "PodDisruptionBudget")
    services = of_kind(rendered, "Service")
    for service in SERVICES:
        api = f"{service}-api"
        # Each selector picks this service's API pods and nothing else.
        for kind, objects, selector_of in (
            ("Service", services, lambda o: o["spec"]["selector"]),
            ("PodDisruptionBudget", budgets, lambda o: o["spec"]["selector"]["matchLabels"]),
        ):
            matching = [o for o in objects.values() if selects(selector_of(o), pods[api])]
            assert len(matching) == 1, f"{kind} for {api}: {len(matching)}"
            selector = selector_of(matching[0])
            assert [n for n, labels in pods.items() if selects(selector, labels)] == [api]
        deployment_selector = deployments[api]["spec"]["selector"]["matchLabels"]
        assert selects(deployment_selector, pods[api])
        [hpa] = [h for h in autoscalers.values() if h["spec"]["scaleTargetRef"]["name"] == api]
        assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        assert 1 < hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        port_names = {p["name"] for p in pod_spec(deployments[api])["containers"][0]["ports"]}
        [svc] = [s for s in services.values() if selects(s["spec"]["selector"], pods[api])]
        assert {p["targetPort"] for p in svc["spec"]["ports"]} <= port_names


def test_deploy_k8s_migrate_jobs_run_once_and_never_restart_in_place(
    rendered: dict[tuple[str, str], Any],
) -> None:
    for name, job in of_kind(rendered, "Job").items():
        spec = pod_spec(job)
        assert spec["restartPolicy"] == "Never", name
        assert job["spec"]["backoffLimit"] >= 1
        # The Job's pod template is immutable: a finished Job must go away before the next
        # release applies a new image.
        assert job["spec"]["ttlSecondsAfterFinished"] > 0
