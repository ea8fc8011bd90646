"""deploy/helm/values.yaml for the official `dagster/dagster` chart, checked by parsing it.

The chart cannot be downloaded here (no internet), so nothing is rendered: the test holds the
values against what they must agree with in the repository — the code location of
workspace.yaml, the run queue of the local instance, the path and telemetry variables of
npcs/settings.py, the claim in deploy/helm/pvc.yaml, the PostgreSQL driver of deploy/dagster.yaml —
and against the chart's schema for the keys it uses (a misspelt key is silently ignored by Helm).
"""

from __future__ import annotations

import tomllib
from pathlib import PurePosixPath

import pytest
import yaml

from npcs.settings import DEFAULTS, REPO_ROOT, TELEMETRY_OFF

VALUES = REPO_ROOT / "deploy" / "helm" / "values.yaml"

# Top-level keys of the dagster/dagster chart's values (helm/dagster/schema, chart 1.13) and the
# fields of one user code deployment.
CHART_KEYS = {
    "global",
    "nameOverride",
    "fullnameOverride",
    "rbacEnabled",
    "dagsterWebserver",
    "dagster-user-deployments",
    "postgresql",
    "generatePostgresqlPasswordSecret",
    "generateCeleryConfigSecret",
    "rabbitmq",
    "redis",
    "flower",
    "ingress",
    "imagePullSecrets",
    "computeLogManager",
    "scheduler",
    "runLauncher",
    "pythonLogs",
    "dagsterDaemon",
    "busybox",
    "migrate",
    "telemetry",
    "serviceAccount",
    "retention",
    "concurrency",
    "additionalInstanceConfig",
}
DEPLOYMENT_KEYS = {
    "name",
    "image",
    "dagsterApiGrpcArgs",
    "codeServerArgs",
    "includeConfigInLaunchedRuns",
    "port",
    "env",
    "envConfigMaps",
    "envSecrets",
    "annotations",
    "nodeSelector",
    "affinity",
    "tolerations",
    "podSecurityContext",
    "securityContext",
    "resources",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "labels",
    "volumeMounts",
    "volumes",
    "schedulerName",
}


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load(VALUES.read_text())


@pytest.fixture(scope="module")
def deployment(values) -> dict:
    user = values["dagster-user-deployments"]
    assert user["enabled"] is True
    (deployment,) = user["deployments"]
    return deployment


def _arg(args: list[str], *flags: str) -> str:
    for flag in flags:
        if flag in args:
            return args[args.index(flag) + 1]
    raise AssertionError(f"none of {flags} in {args}")


def test_only_keys_the_chart_knows(values, deployment):
    assert set(values) <= CHART_KEYS, set(values) - CHART_KEYS
    assert set(deployment) <= DEPLOYMENT_KEYS, set(deployment) - DEPLOYMENT_KEYS


def test_the_code_location_is_the_one_workspace_yaml_loads(deployment):
    (entry,) = yaml.safe_load((REPO_ROOT / "workspace.yaml").read_text())["load_from"]
    local = entry["python_module"]
    tool = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["dagster"]
    args = deployment["dagsterApiGrpcArgs"]
    assert _arg(args, "-m", "--module-name") == local["module_name"] == tool["module_name"]
    assert _arg(args, "-l", "--location-name") == local["location_name"]
    assert isinstance(deployment["port"], int)
    assert deployment["image"]["repository"] and deployment["image"]["tag"]


def test_one_run_at_a_time_like_the_local_instance(values):
    local = yaml.safe_load((REPO_ROOT / "dagster_home" / "dagster.yaml").read_text())
    daemon = values["dagsterDaemon"]
    assert daemon["enabled"] is True
    coordinator = daemon["runCoordinator"]
    assert coordinator["enabled"] is True and coordinator["type"] == "QueuedRunCoordinator"
    queue = coordinator["config"]["queuedRunCoordinator"]["maxConcurrentRuns"]
    assert queue == local["concurrency"]["runs"]["max_concurrent_runs"] == 1
    # the chart refuses a second run limit under `concurrency.runs`
    assert "maxConcurrentRuns" not in values.get("concurrency", {}).get("runs", {})
    assert values["runLauncher"]["type"] == "K8sRunLauncher"


def test_dagster_storage_is_an_external_postgres(values):
    pg = values["postgresql"]
    assert pg["enabled"] is False
    assert pg["postgresqlHost"] and pg["postgresqlUsername"] and pg["postgresqlDatabase"]
    assert "postgresqlPassword" not in pg, "the password comes from a secret, not this file"
    assert values["generatePostgresqlPasswordSecret"] is False
    assert values["global"]["postgresqlSecretName"]
    production = yaml.safe_load((REPO_ROOT / "deploy" / "dagster.yaml").read_text())
    assert pg["postgresqlScheme"] == production["storage"]["postgres"]["postgres_db"]["scheme"]


def test_every_path_is_on_the_persistent_volume(deployment):
    env = deployment["env"]
    path_vars = {k for k in DEFAULTS if k.startswith("NPCS_")} | {"NPCS_PUBLISHED"}
    assert path_vars <= set(env), path_vars - set(env)

    volumes = {v["name"]: v for v in deployment["volumes"]}
    mounts = deployment["volumeMounts"]
    assert {m["name"] for m in mounts} <= set(volumes)
    pvc = yaml.safe_load((REPO_ROOT / "deploy" / "helm" / "pvc.yaml").read_text())
    assert pvc["kind"] == "PersistentVolumeClaim"
    claims = {
        m["mountPath"]: volumes[m["name"]]["persistentVolumeClaim"]["claimName"]
        for m in mounts
        if "persistentVolumeClaim" in volumes[m["name"]]
    }
    assert set(claims.values()) == {pvc["metadata"]["name"]}
    for var in sorted(path_vars):
        path = PurePosixPath(env[var])
        assert path.is_absolute(), var
        assert any(path.is_relative_to(mount) for mount in claims), f"{var}={path} not persisted"
    # runs (Kubernetes Jobs) get the same env, secrets and volume as the code server
    assert deployment["includeConfigInLaunchedRuns"]["enabled"] is True


def test_the_pseudonym_key_comes_from_a_secret_off_the_data_volume(deployment):
    key = PurePosixPath(deployment["env"]["NPCS_PSEUDONYM_KEY_FILE"])
    volumes = {v["name"]: v for v in deployment["volumes"]}
    [mount] = [m for m in deployment["volumeMounts"] if key.is_relative_to(m["mountPath"])]
    secret = volumes[mount["name"]]["secret"]
    assert secret["secretName"] and mount["readOnly"] is True
    assert secret["defaultMode"] & 0o077 == 0  # owner-only, as ingestion/pseudonyms.py requires
    data = [m["mountPath"] for m in deployment["volumeMounts"] if m is not mount]
    assert not any(key.is_relative_to(d) for d in data)


def test_telemetry_off_and_the_publication_server_from_a_secret(values, deployment):
    assert values["telemetry"]["enabled"] is False
    env = deployment["env"]
    for key, value in TELEMETRY_OFF.items():
        assert env.get(key) == value, key
    assert all(isinstance(v, str) for v in env.values()), "env values must be strings"
    assert "NPCS_PG_DSN" not in env, "the DSN holds a password: it comes from envSecrets"
    assert [s["name"] for s in deployment["envSecrets"]]
