"""docs/affiliates.md: its curl and Python examples, taken from the page itself, run against a
real server with a token issued by `consentql clients issue` (P-SHARE-1)."""

import json
import re
import subprocess
import sys
from pathlib import Path

from api.cli.demo import ADMIN_PHONE
from tests.conftest import cli_environment
from tests.servers import free_port, start, stop, wait_until_healthy

ROOT = Path(__file__).resolve().parents[2]
TESTED = re.compile(r"<!-- tested: (\w+) -->\n```\w+\n(.*?)```", re.DOTALL)


def marked_blocks() -> dict[str, str]:
    """The code blocks docs/affiliates.md marks as tested, by language."""
    blocks = dict(TESTED.findall((ROOT / "docs" / "affiliates.md").read_text(encoding="utf-8")))
    assert set(blocks) == {"sh", "python"}, blocks.keys()
    return blocks


def run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_p_share_1_the_affiliate_examples_run_against_a_real_server(tmp_path):
    blocks = marked_blocks()
    env = {**cli_environment(tmp_path), "CONSENTQL_LOG_LEVEL": "WARNING"}
    consentql = [sys.executable, "-m", "api.cli"]
    run([*consentql, "seed", "--demo"], env)
    issued = run(
        [
            *consentql,
            "clients",
            "issue",
            "--admin",
            ADMIN_PHONE,
            "--affiliate",
            "1",
            "--name",
            "工单系统",
            "--purpose",
            "customer-service",
            "--categories",
            "contact.phone,identity.name",
            "--json",
        ],
        env,
    )
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    server = start([*consentql, "serve", "--port", str(port)], env, log)
    try:
        wait_until_healthy(base_url, server, log)
        caller = {**env, "CONSENTQL_URL": base_url, "CONSENTQL_TOKEN": json.loads(issued)["token"]}

        answer = json.loads(run(["sh", "-c", blocks["sh"]], caller))
        client = answer["data"]["apiClient"]
        assert client["name"] == "工单系统" and client["purpose"] == "customer-service"
        assert client["consentingPeople"] > 0

        printed = run([sys.executable, "-c", blocks["python"]], caller).splitlines()
        assert printed[0] == f"client: 工单系统 consenting people: {client['consentingPeople']}"
        assert printed[1].startswith(f"people listed: {client['consentingPeople']} masked fields:")
        assert printed[2] == "refused: INVALID_TOKEN"
    finally:
        stop([server])
