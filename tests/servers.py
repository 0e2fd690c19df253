"""Real server processes for the tests that need more than one process: each on a free loopback
port, waited for until healthy, and stopped at the end (its workers with it)."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

START_SECONDS = 60
STOP_SECONDS = 15
UVICORN = (sys.executable, "-m", "uvicorn", "api.http.asgi:app", "--host", "127.0.0.1")


def server_environment(database_url: str, data_dir: Path, master_key: str) -> dict[str, str]:
    """What a test server runs with: this environment, the database, cheap argon2."""
    return {
        **os.environ,
        "CONSENTQL_DATABASE_URL": database_url,
        "CONSENTQL_MASTER_KEY": master_key,
        "CONSENTQL_DATA_DIR": str(data_dir),
        "CONSENTQL_ARGON2_TIME_COST": "1",
        "CONSENTQL_ARGON2_MEMORY_KIB": "1024",
        "CONSENTQL_ARGON2_PARALLELISM": "1",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(command: Sequence[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`command` writing to `log`, in a session of its own: if it will not stop, its whole
    process group is killed, so no worker outlives the test."""
    with log.open("wb") as output:
        return subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_until_healthy(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"server not healthy in {START_SECONDS} s: {log.read_text()[-2000:]}")


def stop(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
