"""`consentql clients issue | list | rotate | revoke`, acting as a named admin."""

import json
import subprocess
import sys

from api.cli.demo import ADMIN_PHONE as DEMO_ADMIN
from tests.conftest import cli_environment


def consentql(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "api.cli", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def test_clients_on_the_command_line(tmp_path):
    env = cli_environment(tmp_path)
    # The demo brings one recipient (id 1, purpose customer-service), one client and an admin.
    assert consentql(env, "seed", "--demo").returncode == 0
    env["CONSENTQL_ADMIN"] = DEMO_ADMIN

    issued = consentql(
        env,
        "clients",
        "issue",
        "--affiliate",
        "1",
        "--name",
        "工单",
        "--purpose",
        "customer-service",
        "--categories",
        "contact.phone,identity.name",
        "--json",
    )
    assert issued.returncode == 0, issued.stderr
    first = json.loads(issued.stdout)
    assert first["token"].startswith("cqc_") and first["client"]["categories"] == [
        "contact.phone",
        "identity.name",
    ]
    client_id = str(first["client"]["id"])

    rotated = consentql(env, "clients", "rotate", client_id, "--overlap-hours", "6", "--json")
    assert rotated.returncode == 0, rotated.stderr
    second = json.loads(rotated.stdout)
    assert second["token"] != first["token"] and second["client"]["previous_token_valid_until"]

    listed = json.loads(consentql(env, "clients", "list", "--affiliate", "1", "--json").stdout)
    assert [row["id"] for row in listed] == [int(client_id), int(client_id) - 1]

    revoked = consentql(env, "clients", "revoke", client_id, "--json")
    assert revoked.returncode == 0 and json.loads(revoked.stdout)["revoked_at"]
    table = consentql(env, "clients", "list")
    assert table.returncode == 0 and "工单" in table.stdout
    assert first["token"] not in table.stdout + revoked.stdout

    # Refusals say what is wrong and exit 2: a purpose the recipient lacks, a login no admin has.
    wrong = consentql(
        env,
        "clients",
        "issue",
        "--affiliate",
        "1",
        "--name",
        "x",
        "--purpose",
        "marketing",
        "--categories",
        "contact.phone",
    )
    assert wrong.returncode == 2 and "purpose" in wrong.stderr
    nobody = consentql(env, "clients", "list", "--admin", "13900139000")
    assert nobody.returncode == 2 and "admin" in nobody.stderr
