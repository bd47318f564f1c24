"""docker-compose.yml and deploy/Dockerfile: Debian's docker-compose accepts the stack, it
has every service the issue lists, images are pinned, the worker image is slim, pinned
and non-root, and files the stack mounts exist."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from deploy_support import DEPLOY, REPO, load_yaml, run_tool

COMPOSE = REPO / "docker-compose.yml"
DOCKERFILE = DEPLOY / "Dockerfile"
SERVICES = {
    "kafka",
    "worker-1",
    "worker-2",
    "simulator",
    "prometheus",
    "alertmanager",
    "alert-sink",
    "grafana",
}


def compose() -> dict[str, Any]:
    doc: dict[str, Any] = load_yaml(COMPOSE)
    return doc


def test_docker_compose_config_is_valid() -> None:
    result = run_tool("docker-compose", "-f", str(COMPOSE), "config", "-q")
    assert result.returncode == 0, result.stdout + result.stderr


def test_docker_compose_config_rejects_a_broken_file(tmp_path: Path) -> None:
    """The check can fail: a service with an unknown key."""
    broken = tmp_path / "docker-compose.yml"
    broken.write_text("services:\n  kafka:\n    image: apache/kafka:4.1.1\n    colour: blue\n")
    result = run_tool("docker-compose", "-f", str(broken), "config", "-q")
    assert result.returncode != 0


def test_the_stack_has_every_service() -> None:
    assert set(compose()["services"]) == SERVICES


def test_images_are_pinned() -> None:
    for name, service in compose()["services"].items():
        image = service["image"]
        repo, _, tag = image.rpartition(":")
        assert repo and tag and tag != "latest", f"{name}: {image}"
        assert re.search(r"\d+\.\d+", tag), f"{name}: {image} is not a version"
    assert compose()["services"]["kafka"]["image"].startswith("apache/kafka:")


def test_kafka_runs_kraft() -> None:
    env = compose()["services"]["kafka"]["environment"]
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:9093"
    assert "ZOOKEEPER" not in json.dumps(env).upper()


def test_workers_are_built_from_the_dockerfile_and_find_each_other() -> None:
    services = compose()["services"]
    for name in ("worker-1", "worker-2", "simulator", "alert-sink"):
        build = services[name]["build"]
        assert (REPO / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE
    for name in ("worker-1", "worker-2"):
        env = services[name]["environment"]
        # each advertises an address the other can reach, not 0.0.0.0
        assert env["PULSE_WEB_HOST"] == name
        assert env["PULSE_KAFKA_BOOTSTRAP"] == "kafka:9092"
        assert services[name]["depends_on"]["kafka"]["condition"] == "service_healthy"
    app_ids = {services[n]["environment"]["PULSE_APP_ID"] for n in ("worker-1", "worker-2")}
    assert len(app_ids) == 1, "one consumer group"


def test_prometheus_scrapes_both_workers_and_alerts_alertmanager() -> None:
    config = load_yaml(DEPLOY / "prometheus" / "prometheus.yml")
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "pulse"]
    targets = {t for sc in job["static_configs"] for t in sc["targets"]}
    assert targets == {"worker-1:6066", "worker-2:6066"}
    alertmanagers = config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert alertmanagers == ["alertmanager:9093"]
    hooks = load_yaml(DEPLOY / "alertmanager" / "alertmanager.yml")["receivers"]
    urls = {h["url"] for r in hooks for h in r.get("webhook_configs", [])}
    assert all(u.startswith("http://alert-sink:8080/") for u in urls)


def test_mounted_files_exist() -> None:
    for name, service in compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (REPO / source).exists(), f"{name}: {source}"


def test_host_ports_are_loopback_only() -> None:
    for name, service in compose()["services"].items():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name}: {port}"


def test_alert_sink_script_compiles() -> None:
    (script,) = compose()["services"]["alert-sink"]["command"]
    compile(script, "alert-sink", "exec")


# ---------------------------------------------------------------------- Dockerfile


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of deploy/Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def last(instruction: str) -> str:
    values = [args for word, args in instructions() if word == instruction]
    assert values, instruction
    return values[-1]


def test_dockerfile_base_is_python_311_slim_pinned() -> None:
    (arg,) = [a for w, a in instructions() if w == "ARG" and a.startswith("PYTHON_IMAGE=")]
    image = arg.split("=", 1)[1]
    assert re.fullmatch(r"python:3\.11\.\d+-slim(-bookworm)?", image), image
    froms = [a.split()[0] for w, a in instructions() if w == "FROM"]
    assert froms and all(f == "${PYTHON_IMAGE}" for f in froms)


def test_dockerfile_runs_as_a_non_root_user() -> None:
    user = last("USER")
    assert user.split(":")[0] not in ("root", "0")
    assert int(user.split(":")[0]) >= 1000


def test_dockerfile_entrypoint_command_port_and_web_host() -> None:
    assert json.loads(last("ENTRYPOINT")) == ["pulse"]
    assert json.loads(last("CMD")) == ["worker"]
    assert last("EXPOSE") == "6066"
    env = dict(
        pair.split("=", 1) for w, a in instructions() if w == "ENV" for pair in shlex.split(a)
    )
    assert env["PULSE_WEB_HOST"] == "0.0.0.0"  # noqa: S104 - inside the container only
    assert env["PULSE_WEB_PORT"] == "6066"


def test_dockerfile_installs_the_project_with_pip() -> None:
    runs = " ".join(a for w, a in instructions() if w == "RUN")
    assert "pip wheel --wheel-dir /wheels ." in runs
    assert "pip install --no-index --find-links /wheels newsroom-pulse" in runs
    copied = {a.split()[0] for w, a in instructions() if w == "COPY" and "--from" not in a}
    for path in copied:
        assert (REPO / path).exists(), path


@pytest.mark.parametrize("word", ["ADD", "MAINTAINER"])
def test_dockerfile_avoids(word: str) -> None:
    assert word not in {w for w, _ in instructions()}
