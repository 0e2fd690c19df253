"""`consentql admin create`: admins are made on the command line, never through the API."""

import subprocess
import sys

from tests.conftest import cli_environment

ME = "{ me { name } }"


def test_admin_create_on_the_command_line(tmp_path):
    env = {**cli_environment(tmp_path), "CONSENTQL_PASSWORD": "admin password 2"}
    command = [
        sys.executable,
        "-m",
        "api.cli",
        "admin",
        "create",
        "--phone",
        "13700137000",
        "--email",
        "ops@example.com",
        "--name",
        "王芳",
        "--company",
        "示例通信有限公司",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Admin account" in done.stdout
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "exists" in again.stderr
    bad = subprocess.run([*command[:6], "12"], env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "phone" in bad.stderr
