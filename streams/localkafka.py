"""A real single-node Apache Kafka (KRaft) for development and tests, without Docker.

The processor's guarantees (idempotent produce, consumer groups, compacted changelogs,
surviving restarts) are only worth testing against the real broker, so `pulse kafka` and
the integration tests run the genuine Kafka jars in a child JVM. The jars come from Maven
Central through `deploy/kafka/pom.xml` and are cached outside the repository; everything a
broker writes lives in one data directory, so a restart on the same directory keeps it.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Self

DEPLOY_DIR = Path(__file__).resolve().parent.parent / "deploy" / "kafka"
POM_FILE = DEPLOY_DIR / "pom.xml"
LOG4J_FILE = DEPLOY_DIR / "log4j2.properties"
MIN_JAVA = 17
JAVA_HINT = "apt-get install openjdk-17-jre-headless"
MVN_HINT = "apt-get install maven"
LOOPBACK = "127.0.0.1"
_MARKER = ".complete"
_log = logging.getLogger(__name__)


class LocalKafkaError(RuntimeError):
    """The local broker could not be provided; the message says what to do about it."""


# -- toolchain ------------------------------------------------------------------------


def parse_java_version(output: str) -> int:
    """The major version from `java -version` ("1.8.0_292" is 8, "21-ea" is 21)."""
    match = re.search(r'version "([^"]+)"', output)
    numbers = re.findall(r"\d+", match.group(1)) if match else []
    if not numbers:
        raise LocalKafkaError(f"cannot read the Java version from {output.strip()[:200]!r}")
    major = int(numbers[0])
    return int(numbers[1]) if major == 1 and len(numbers) > 1 else major


def find_java() -> str:
    """The `java` on PATH, checked to be new enough for Kafka 4 (Java 17+)."""
    java = shutil.which("java")
    if java is None:
        raise LocalKafkaError(f"Java {MIN_JAVA}+ not found on PATH ({JAVA_HINT})")
    try:
        out = subprocess.run(  # noqa: S603 (a resolved path, no shell)
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LocalKafkaError(f"cannot run {java} -version: {exc} ({JAVA_HINT})") from exc
    major = parse_java_version(out.stderr + out.stdout)
    if major < MIN_JAVA:
        raise LocalKafkaError(
            f"Java {MIN_JAVA}+ required, but {java} is Java {major} ({JAVA_HINT})"
        )
    return java


def find_mvn() -> str:
    """The `mvn` on PATH: only needed once, to download the Kafka jars."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise LocalKafkaError(
            f"Maven (mvn) not found on PATH; it is needed once to download the Kafka jars "
            f"({MVN_HINT})"
        )
    return mvn


# -- jars -----------------------------------------------------------------------------


def kafka_version(pom: Path = POM_FILE) -> str:
    """The Kafka version pinned in the pom (a regex: the file is ours and tiny)."""
    try:
        text = pom.read_text("utf-8")
    except OSError as exc:
        raise LocalKafkaError(f"{pom} is missing: run from a source checkout ({exc})") from exc
    match = re.search(r"<kafka\.version>\s*([^<\s]+)\s*</kafka\.version>", text)
    if match is None:
        raise LocalKafkaError(f"no <kafka.version> in {pom}")
    return match.group(1)


def artifact_dir(cache_dir: Path | None = None) -> Path:
    """`<cache root>/<kafka version>/<hash of pom + log4j config>`: a change of either
    gets a fresh directory, so a cache is never half old, half new."""
    root = cache_dir or Path(
        os.environ.get("PULSE_KAFKA_CACHE") or Path.home() / ".cache" / "newsroom-pulse" / "kafka"
    )
    version = kafka_version()
    digest = hashlib.sha256(POM_FILE.read_bytes() + b"\0" + LOG4J_FILE.read_bytes())
    return root / version / digest.hexdigest()[:16]


def _cached_jars(target: Path) -> list[Path] | None:
    """The jars listed by the marker, or None when the cache is missing or incomplete."""
    try:
        names = json.loads((target / _MARKER).read_text("utf-8"))["jars"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    jars = [target / "jars" / str(name) for name in names]
    complete = jars and all(jar.is_file() for jar in jars)
    return jars if complete and (target / LOG4J_FILE.name).is_file() else None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock file, so two first runs resolve once instead of racing."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run_mvn(mvn: str, pom: Path, out_dir: Path) -> None:
    _log.info("Resolving the Kafka jars with Maven (first run only; may download ~100 MB)")
    cmd = [mvn, "-q", "-B", "-f", str(pom), "dependency:copy-dependencies"]
    cmd += [f"-DoutputDirectory={out_dir}", "-DincludeScope=runtime"]
    try:
        proc = subprocess.run(  # noqa: S603 (a resolved path, no shell)
            cmd, capture_output=True, text=True, timeout=1800, check=False, cwd=pom.parent
        )
    except subprocess.TimeoutExpired as exc:
        raise LocalKafkaError("mvn took more than 30 minutes to resolve the Kafka jars") from exc
    if proc.returncode != 0:
        output = "\n".join((proc.stdout + proc.stderr).splitlines()[-30:])
        raise LocalKafkaError(f"mvn failed (exit {proc.returncode}):\n{output}")


def resolve_jars(cache_dir: Path | None = None) -> list[Path]:
    """The broker's classpath, from the cache or (first run) from Maven.

    Maven writes into a temporary sibling directory that is renamed into place only
    after a marker is written, under a lock: an interrupted or concurrent run never
    leaves a cache that looks complete but is not. `cache_dir` replaces the cache root
    (`$PULSE_KAFKA_CACHE`, else `~/.cache/newsroom-pulse/kafka`).
    """
    target = artifact_dir(cache_dir)
    jars = _cached_jars(target)
    if jars is not None:
        return jars
    find_java()  # Maven needs it too, and its own error would be less clear
    mvn = find_mvn()
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target.parent / f".{target.name}.lock"):
        jars = _cached_jars(target)
        if jars is not None:  # another process finished while we waited for the lock
            return jars
        for stale in target.parent.glob(f".{target.name}.tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        tmp.chmod(0o755)  # mkdtemp makes it private; the cache is shareable
        try:
            shutil.copyfile(POM_FILE, tmp / "pom.xml")
            shutil.copyfile(LOG4J_FILE, tmp / LOG4J_FILE.name)
            _run_mvn(mvn, tmp / "pom.xml", tmp / "jars")
            names = sorted(jar.name for jar in (tmp / "jars").glob("*.jar"))
            if not any(name.startswith("kafka_") for name in names):
                raise LocalKafkaError(f"mvn succeeded but left no Kafka jar in {tmp / 'jars'}")
            marker = {"kafka_version": kafka_version(), "jars": names}
            (tmp / _MARKER).write_text(json.dumps(marker, indent=1), "utf-8")
            if target.exists():  # an incomplete leftover: replace it
                shutil.rmtree(target)
            tmp.rename(target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    jars = _cached_jars(target)
    if jars is None:
        raise LocalKafkaError(f"the Kafka jar cache at {target} is incomplete after resolving")
    return jars


# -- configuration --------------------------------------------------------------------


def server_properties(
    *,
    port: int,
    controller_port: int,
    log_dir: Path,
    node_id: int = 1,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A combined broker+controller on loopback only, sized for a laptop; `extra` wins
    (e.g. extra listeners or a SASL mechanism later)."""
    props = {
        "process.roles": "broker,controller",
        "node.id": str(node_id),
        "controller.quorum.voters": f"{node_id}@{LOOPBACK}:{controller_port}",
        "listeners": f"PLAINTEXT://{LOOPBACK}:{port},CONTROLLER://{LOOPBACK}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{LOOPBACK}:{port}",
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(log_dir),
        "num.partitions": "1",
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
        "auto.create.topics.enable": "false",
        # one node: every internal topic has one replica; few partitions start fast
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "4",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "4",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        # development data: a few days, small segments, a small heap footprint
        "log.retention.hours": "72",
        "log.segment.bytes": str(64 * 1024 * 1024),
        "log.retention.check.interval.ms": "60000",
        "log.cleaner.dedupe.buffer.size": str(32 * 1024 * 1024),
        "num.io.threads": "4",
        "num.network.threads": "2",
        "num.recovery.threads.per.data.dir": "1",
    }
    props.update(extra or {})
    return props


SCRAM = "SCRAM-SHA-512"


def sasl_scram_properties(port: int, admin: str, admin_password: str) -> dict[str, str]:
    """Overrides that put the client listener behind SASL/SCRAM (no TLS: loopback only).

    The broker talks to itself over the same listener as `admin`; users, `admin`
    included, are created at format time (`LocalKafka(scram_users=...)`).
    """
    jaas = (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="{admin}" password="{admin_password}";'
    )
    return {
        "listeners": f"SASL_PLAINTEXT://{LOOPBACK}:{port},CONTROLLER://{LOOPBACK}:"
        + "{controller_port}",
        "advertised.listeners": f"SASL_PLAINTEXT://{LOOPBACK}:{port}",
        "inter.broker.listener.name": "SASL_PLAINTEXT",
        "listener.security.protocol.map": "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
        "sasl.enabled.mechanisms": SCRAM,
        "sasl.mechanism.inter.broker.protocol": SCRAM,
        f"listener.name.sasl_plaintext.{SCRAM.lower()}.sasl.jaas.config": jaas,
    }


def _escape(text: str, *, key: bool) -> str:
    """Java .properties escaping (read as ISO-8859-1 by Kafka, so \\uXXXX for the rest)."""
    out = []
    for char in text:
        code = ord(char)
        if char in "\\\n\r\t\f" or (key and char in " =:#!"):
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t", "\f": "\\f"}.get(char, "\\" + char))
        elif code < 0x20 or code > 0x7E:
            data = char.encode("utf-16-be")
            out.extend(f"\\u{data[i]:02x}{data[i + 1]:02x}" for i in range(0, len(data), 2))
        else:
            out.append(char)
    return "".join(out)


def render_properties(props: Mapping[str, str]) -> str:
    """The text of a server.properties file, one `key=value` per line."""
    lines = ["# Written by streams.localkafka on every start: edit extra_properties instead."]
    lines += [f"{_escape(k, key=True)}={_escape(v, key=False)}" for k, v in props.items()]
    return "\n".join(lines) + "\n"


def new_cluster_id() -> str:
    """What `StorageTool random-uuid` prints (22 chars of URL-safe base64), minus a JVM."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cluster_id.startswith("-"):  # Kafka avoids these: they read as CLI flags
            return cluster_id


# -- sockets --------------------------------------------------------------------------


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports (all held open together, so never the same twice)."""
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind((LOOPBACK, 0))
        return [int(sock.getsockname()[1]) for sock in socks]


def _ensure_port_free(port: int) -> None:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is fine
        try:
            sock.bind((LOOPBACK, port))
        except OSError as exc:
            raise LocalKafkaError(
                f"{LOOPBACK}:{port} is already in use (another Kafka? `pgrep -af kafka.Kafka`)"
            ) from exc


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("connection closed mid-response")
        data += chunk
    return data


def broker_answers(host: str, port: int, timeout: float = 2.0) -> bool:
    """True once the broker answers an ApiVersions (v0) request without error.

    An open port is not enough: a KRaft broker serves requests only after it has
    caught up with the metadata log and been unfenced, i.e. when clients can use it.
    """
    correlation_id, client_id = 0x50554C53, b"pulse-localkafka"
    request = struct.pack(">hhih", 18, 0, correlation_id, len(client_id)) + client_id
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(struct.pack(">i", len(request)) + request)
            (size,) = struct.unpack(">i", _recv_exact(sock, 4))
            if not 10 <= size <= 1 << 20:
                return False
            response = _recv_exact(sock, size)
    except OSError:
        return False
    got_id, error_code, api_count = struct.unpack_from(">ihi", response)
    return bool(got_id == correlation_id and error_code == 0 and api_count > 0)


# -- the broker -----------------------------------------------------------------------


class LocalKafka:
    """One Kafka 4 broker+controller in a child JVM, its state in `data_dir`.

    Layout: `server.properties` (rewritten on each start), `log-dir/` (the topics and
    the KRaft metadata log, formatted once) and `kafka.log` (the JVM's output, appended).
    """

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        controller_port: int | None = None,
        heap: str = "512m",
        *,
        extra_properties: Mapping[str, str] | None = None,
        cache_dir: Path | None = None,
        scram_users: Mapping[str, str] | None = None,
    ) -> None:
        if not re.fullmatch(r"\d+[kKmMgG]?", heap):
            raise ValueError(f"heap must look like 512m or 1g, not {heap!r}")
        picked = iter(free_ports(2)) if port is None or controller_port is None else iter(())
        self.data_dir = Path(data_dir).resolve()
        self.port = port if port is not None else next(picked)
        self.controller_port = controller_port if controller_port is not None else next(picked)
        self.heap = heap
        self.extra_properties = {
            k: v.replace("{controller_port}", str(self.controller_port))
            for k, v in (extra_properties or {}).items()
        }
        self.scram_users = dict(scram_users or {})
        self._cache_dir = cache_dir
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None
        self._log_offset = 0

    @property
    def bootstrap(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "log-dir"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "kafka.log"

    @property
    def version(self) -> str:
        return kafka_version()

    def properties(self) -> dict[str, str]:
        return server_properties(
            port=self.port,
            controller_port=self.controller_port,
            log_dir=self.log_dir,
            extra=self.extra_properties,
        )

    def is_formatted(self) -> bool:
        return (self.log_dir / "meta.properties").is_file()

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """The broker's process id while it runs (benchmarks read its CPU time)."""
        return self._proc.pid if self.is_running() and self._proc is not None else None

    def start(self, timeout: float = 90) -> None:
        """Start the broker and return once it answers requests (no-op if running)."""
        if self.is_running():
            return
        java = find_java()
        jars = resolve_jars(self._cache_dir)
        jvm = [java, f"-Xmx{self.heap}", "-Djava.awt.headless=true"]
        jvm += [f"-Dlog4j2.configurationFile={jars[0].parent.parent / LOG4J_FILE.name}"]
        jvm += ["-cp", os.pathsep.join(str(jar) for jar in jars)]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        _ensure_not_in_use(self.log_dir)
        _ensure_port_free(self.port)
        _ensure_port_free(self.controller_port)
        props_file = self.data_dir / "server.properties"
        props_file.write_text(render_properties(self.properties()), "utf-8")
        if not self.is_formatted():
            self._format(jvm, props_file)
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        self._log_file = self.log_path.open("ab")
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        self._log_file.write(f"---- {stamp} starting Kafka on {self.bootstrap}\n".encode())
        self._log_file.flush()
        try:
            self._proc = subprocess.Popen(  # noqa: S603 (a resolved path, no shell)
                [*jvm, "kafka.Kafka", str(props_file)],
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                start_new_session=True,  # Ctrl-C on a terminal must not reach it directly
            )
            atexit.register(self._stop_at_exit)
            self._wait_ready(timeout)
        except BaseException:
            self.stop(timeout=10)
            raise

    def _format(self, jvm: list[str], props_file: Path) -> None:
        """Format the log dir once; later starts reuse it, which is what keeps the data."""
        cmd = [*jvm, "kafka.tools.StorageTool", "format", "-t", new_cluster_id()]
        cmd += ["-c", str(props_file)]
        for user, password in self.scram_users.items():
            cmd += ["--add-scram", f"{SCRAM}=[name={user},password={password}]"]
        proc = subprocess.run(  # noqa: S603 (a resolved path, no shell)
            cmd, capture_output=True, text=True, timeout=180, check=False
        )
        if proc.returncode != 0:
            raise LocalKafkaError(
                f"formatting {self.log_dir} failed (exit {proc.returncode}):\n"
                f"{proc.stdout}{proc.stderr}"
            )

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            code = self._proc.poll() if self._proc else -1
            if code is not None:
                raise LocalKafkaError(
                    f"Kafka exited with code {code} while starting; "
                    f"the end of {self.log_path}:\n{self.log_tail()}"
                )
            if broker_answers(LOOPBACK, self.port):
                return
            if time.monotonic() > deadline:
                raise LocalKafkaError(
                    f"Kafka did not answer on {self.bootstrap} within {timeout:g} s; "
                    f"the end of {self.log_path}:\n{self.log_tail()}"
                )
            time.sleep(0.2)

    def log_tail(self, lines: int = 40) -> str:
        """The last lines the JVM wrote since the latest start."""
        try:
            with self.log_path.open("rb") as handle:
                handle.seek(self._log_offset)
                text = handle.read().decode("utf-8", "replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def _signal(self, sig: signal.Signals) -> None:
        # only called while the process is unreaped, so its group id cannot be reused yet
        if self._proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, sig)

    def stop(self, timeout: float = 30) -> None:
        """A clean shutdown (SIGTERM), SIGKILL after `timeout`; safe to call twice."""
        proc = self._proc
        try:
            if proc is not None and proc.poll() is None:
                self._signal(signal.SIGTERM)
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    _log.warning("Kafka ignored SIGTERM for %g s: killing it", timeout)
                    self._signal(signal.SIGKILL)
                    proc.wait()
        finally:
            self._forget()

    def kill(self) -> None:
        """SIGKILL, no shutdown: what a crash looks like (for failure tests)."""
        proc = self._proc
        try:
            if proc is not None and proc.poll() is None:
                self._signal(signal.SIGKILL)
                proc.wait()
        finally:
            self._forget()

    def restart(self, timeout: float = 90) -> None:
        self.stop()
        self.start(timeout)

    def _forget(self) -> None:
        self._proc = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        atexit.unregister(self._stop_at_exit)

    def _stop_at_exit(self) -> None:
        self.stop(timeout=10)  # never leave an orphan JVM behind a crashed test run

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.is_running() else "stopped"
        return f"LocalKafka({self.bootstrap}, {self.data_dir}, {state})"


def _ensure_not_in_use(log_dir: Path) -> None:
    """Refuse a data dir whose broker is still alive (Kafka holds a POSIX lock on .lock)."""
    lock = log_dir / ".lock"
    if not lock.exists():
        return
    with lock.open("a") as handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise LocalKafkaError(f"{log_dir} is in use by another running Kafka") from exc
        fcntl.lockf(handle, fcntl.LOCK_UN)


def wipe_data_dir(data_dir: Path) -> None:
    """Delete a local Kafka data dir, refusing anything that does not look like one."""
    if not data_dir.exists():
        return
    ours = (data_dir / "server.properties").is_file()
    if not ours and any(data_dir.iterdir()):
        raise LocalKafkaError(
            f"refusing to wipe {data_dir}: not empty and no server.properties in it"
        )
    _ensure_not_in_use(data_dir / "log-dir")
    shutil.rmtree(data_dir)


# -- `pulse kafka` --------------------------------------------------------------------


class _Interrupted(BaseException):
    """SIGINT/SIGTERM, raised wherever the main thread is (even mid-start)."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise _Interrupted(signal.Signals(signum).name)


def run_forever(
    data_dir: Path, port: int = 9092, *, controller_port: int | None = None, heap: str = "512m"
) -> int:
    """Run a broker until SIGINT/SIGTERM, then stop it cleanly; the exit code."""
    kafka = LocalKafka(data_dir, port, controller_port, heap)
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        kafka.start()
        print(
            f"Kafka {kafka.version} ready on {kafka.bootstrap} "
            f"(data: {kafka.data_dir}, log: {kafka.log_path})",
            flush=True,
        )
        while kafka.is_running():
            time.sleep(0.5)
        print(f"Kafka exited on its own; see {kafka.log_path}", file=sys.stderr)
        return 1
    except _Interrupted:
        return 0
    finally:
        for sig in previous:  # a second Ctrl-C must not orphan the JVM mid-stop
            signal.signal(sig, signal.SIG_IGN)
        kafka.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main_kafka(argv: list[str] | None = None) -> int:
    """`pulse kafka`: a local single-node Kafka for development (Ctrl-C stops it)."""
    default_dir = Path(os.environ.get("PULSE_DATA_DIR") or "var") / "kafka"
    parser = argparse.ArgumentParser(
        prog="pulse kafka",
        description="Run a local single-node Apache Kafka (KRaft) on loopback until Ctrl-C.",
    )
    parser.add_argument("--port", type=int, default=9092, help="client port (default 9092)")
    parser.add_argument(
        "--controller-port", type=int, default=None, help="KRaft controller port (default: free)"
    )
    parser.add_argument("--data-dir", type=Path, default=default_dir, help=f"default {default_dir}")
    parser.add_argument("--heap", default="512m", help="JVM max heap (default 512m)")
    parser.add_argument(
        "--fresh", action="store_true", help="wipe the data dir first (all topics and offsets)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        if args.fresh:
            wipe_data_dir(args.data_dir)
        return run_forever(
            args.data_dir, args.port, controller_port=args.controller_port, heap=args.heap
        )
    except LocalKafkaError as exc:
        print(f"pulse kafka: {exc}", file=sys.stderr)
        return 1
