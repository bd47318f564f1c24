"""streams.localkafka without a broker: configuration, toolchain checks, the jar cache."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from streams import localkafka
from streams.localkafka import (
    LocalKafka,
    LocalKafkaError,
    kafka_version,
    new_cluster_id,
    parse_java_version,
    render_properties,
    resolve_jars,
    server_properties,
    wipe_data_dir,
)


def load_properties(text: str) -> dict[str, str]:
    """What java.util.Properties reads from our output (which has no line continuations)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        parts: list[list[str]] = [[], []]
        in_key, i = True, 0
        while i < len(line):
            char = line[i]
            if char == "\\" and line[i + 1] == "u":
                char, i = chr(int(line[i + 2 : i + 6], 16)), i + 6
            elif char == "\\":
                char, i = (
                    {"n": "\n", "t": "\t", "r": "\r", "f": "\f"}.get(line[i + 1], line[i + 1]),
                    i + 2,
                )
            elif in_key and char in "=:":
                in_key, i = False, i + 1
                continue
            else:
                i += 1
            parts[0 if in_key else 1].append(char)
        out["".join(parts[0])] = "".join(parts[1])
    return out


# -- properties -----------------------------------------------------------------------


def test_server_properties_single_node_kraft_on_loopback(tmp_path: Path) -> None:
    props = server_properties(port=19000, controller_port=19001, log_dir=tmp_path)
    assert props["process.roles"] == "broker,controller"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:19001"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19000,CONTROLLER://127.0.0.1:19001"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19000"
    assert props["log.dirs"] == str(tmp_path)
    assert props["auto.create.topics.enable"] == "false"
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["transaction.state.log.min.isr"] == "1"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    hosts = re.findall(r"//([^:]+):", f"{props['listeners']},{props['advertised.listeners']}")
    assert hosts == ["127.0.0.1"] * 3  # loopback only, never all interfaces


def test_extra_properties_add_and_override(tmp_path: Path) -> None:
    extra = {"num.partitions": "3", "sasl.enabled.mechanisms": "SCRAM-SHA-512"}
    props = server_properties(port=1, controller_port=2, log_dir=tmp_path, extra=extra)
    assert props["num.partitions"] == "3"
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"


def test_render_properties_round_trips_awkward_values() -> None:
    props = {"log.dirs": "/data/Новости dir\\x", "weird key=:": "a\tb\nc", "plain": "v=1:2"}
    text = render_properties(props)
    assert text.isascii()
    assert load_properties(text) == props


def test_local_kafka_picks_distinct_free_ports_and_writes_its_layout(tmp_path: Path) -> None:
    kafka = LocalKafka(tmp_path)
    assert kafka.port != kafka.controller_port
    assert kafka.bootstrap == f"127.0.0.1:{kafka.port}"
    assert kafka.properties()["log.dirs"] == str(tmp_path.resolve() / "log-dir")
    assert not kafka.is_running()
    kafka.stop()  # stopping what never started is fine
    kafka.kill()
    assert LocalKafka(tmp_path, port=9092, controller_port=9093).bootstrap == "127.0.0.1:9092"


def test_heap_is_validated(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="heap"):
        LocalKafka(tmp_path, heap="512m -XX:+Evil")


def test_cluster_id_looks_like_a_kafka_uuid() -> None:
    for _ in range(50):
        cluster_id = new_cluster_id()
        assert len(cluster_id) == 22
        assert not cluster_id.startswith("-")


def test_kafka_version_comes_from_the_pom() -> None:
    assert kafka_version().startswith("4.")


# -- toolchain ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment', 17),
        ('java version "1.8.0_292"\nJava(TM) SE Runtime Environment', 8),
        ('openjdk version "11.0.2" 2019-01-15', 11),
        ('openjdk version "21" 2023-09-19', 21),
        ('openjdk version "22-ea" 2024-03-19', 22),
        ('Picked up JAVA_TOOL_OPTIONS: -Xss1m\nopenjdk version "25.0.1" 2025-10-21', 25),
    ],
)
def test_parse_java_version(output: str, major: int) -> None:
    assert parse_java_version(output) == major


def test_parse_java_version_rejects_garbage() -> None:
    with pytest.raises(LocalKafkaError, match="cannot read the Java version"):
        parse_java_version("command not found")


def fake_tool(bin_dir: Path, name: str, script: str) -> None:
    path = bin_dir / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An otherwise empty PATH holding only the fake tools a test puts there."""
    path = tmp_path / "bin"
    path.mkdir()
    monkeypatch.setenv("PATH", str(path))
    return path


def test_missing_java_says_what_to_install(bin_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(LocalKafkaError) as err:
        LocalKafka(tmp_path / "kafka").start()
    assert str(err.value) == (
        "Java 17+ not found on PATH (apt-get install openjdk-17-jre-headless)"
    )


def test_old_java_is_refused(bin_dir: Path, tmp_path: Path) -> None:
    fake_tool(bin_dir, "java", "echo 'openjdk version \"11.0.2\" 2019-01-15' >&2")
    with pytest.raises(LocalKafkaError, match=r"Java 17\+ required, .* is Java 11 \(apt-get"):
        resolve_jars(tmp_path / "cache")


def test_missing_mvn_says_what_to_install(bin_dir: Path, tmp_path: Path) -> None:
    fake_tool(bin_dir, "java", "echo 'openjdk version \"17.0.15\"' >&2")
    with pytest.raises(LocalKafkaError, match=r"Maven \(mvn\) not found on PATH.*apt-get install"):
        resolve_jars(tmp_path / "cache")


# -- the jar cache --------------------------------------------------------------------


@pytest.fixture
def fake_mvn(bin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Java and mvn "installed"; each Maven run is recorded and writes two fake jars."""
    fake_tool(bin_dir, "java", "echo 'openjdk version \"21\"' >&2")
    fake_tool(bin_dir, "mvn", "exit 0")
    runs: list[Path] = []

    def run_mvn(mvn: str, pom: Path, out_dir: Path) -> None:
        runs.append(out_dir)
        out_dir.mkdir()
        (out_dir / "kafka_2.13-4.1.1.jar").write_bytes(b"jar")
        (out_dir / "kafka-clients-4.1.1.jar").write_bytes(b"jar")

    monkeypatch.setattr(localkafka, "_run_mvn", run_mvn)
    return runs


def test_jars_are_resolved_once_then_cached(fake_mvn: list[Path], tmp_path: Path) -> None:
    jars = resolve_jars(tmp_path / "cache")
    assert [jar.name for jar in jars] == ["kafka-clients-4.1.1.jar", "kafka_2.13-4.1.1.jar"]
    target = jars[0].parent.parent
    assert target.parent.name == kafka_version()
    assert (target / "log4j2.properties").is_file()
    assert json.loads((target / ".complete").read_text())["jars"] == [j.name for j in jars]
    assert not list(target.parent.glob(".*.tmp-*"))  # the temporary dir was renamed

    os.environ["PATH"] = ""  # the cache needs neither java nor mvn
    assert resolve_jars(tmp_path / "cache") == jars
    assert len(fake_mvn) == 1


def test_cache_root_comes_from_the_environment(
    fake_mvn: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULSE_KAFKA_CACHE", str(tmp_path / "env-cache"))
    assert resolve_jars()[0].is_relative_to(tmp_path / "env-cache")


def test_an_incomplete_cache_is_resolved_again(fake_mvn: list[Path], tmp_path: Path) -> None:
    jars = resolve_jars(tmp_path / "cache")
    jars[1].unlink()
    assert resolve_jars(tmp_path / "cache") == jars
    assert all(jar.is_file() for jar in jars)
    assert len(fake_mvn) == 2


def test_a_failed_resolve_leaves_no_cache(
    bin_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_tool(bin_dir, "java", "echo 'openjdk version \"17.0.15\"' >&2")
    fake_tool(bin_dir, "mvn", "echo '[ERROR] Could not resolve dependencies' >&2; exit 1")
    with pytest.raises(LocalKafkaError, match=r"(?s)mvn failed \(exit 1\).*Could not resolve"):
        resolve_jars(tmp_path / "cache")
    version_dir = tmp_path / "cache" / kafka_version()
    assert [p.name for p in version_dir.iterdir() if not p.name.endswith(".lock")] == []


# -- `pulse kafka --fresh` ------------------------------------------------------------


def test_wipe_refuses_a_directory_that_is_not_a_kafka_data_dir(tmp_path: Path) -> None:
    (tmp_path / "thesis.tex").write_text("precious")
    with pytest.raises(LocalKafkaError, match="refusing to wipe"):
        wipe_data_dir(tmp_path)
    assert (tmp_path / "thesis.tex").exists()


def test_wipe_removes_a_kafka_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "kafka"
    (data / "log-dir").mkdir(parents=True)
    (data / "server.properties").write_text("node.id=1\n")
    wipe_data_dir(data)
    assert not data.exists()
    wipe_data_dir(data)  # nothing to wipe is fine


def test_main_kafka_help_exits_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        localkafka.main_kafka(["--help"])
    assert exit_info.value.code == 0
    assert "--fresh" in capsys.readouterr().out


def test_java_version_of_this_machine_if_any() -> None:
    """Sanity check of the parser on the real `java -version`, when Java is installed."""
    try:
        out = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        pytest.skip("no java on this machine")
    assert parse_java_version(out.stderr) >= 8
