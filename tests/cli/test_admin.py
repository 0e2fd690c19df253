"""`consentql admin create`: admins are made on the command line, never through the API."""

import base64
import os
import subprocess
import sys

ME = "{ me { name } }"


def test_admin_create_on_the_command_line(tmp_path):
    env = {
        **os.environ,
        "CONSENTQL_DATA_DIR": str(tmp_path),
        "CONSENTQL_DATABASE_URL": f"sqlite://{tmp_path / 'cli.sqlite3'}",
        "CONSENTQL_MASTER_KEY": base64.b64encode(b"c" * 32).decode(),
        "CONSENTQL_PASSWORD": "admin password 2",
        "CONSENTQL_ARGON2_TIME_COST": "1",
        "CONSENTQL_ARGON2_MEMORY_KIB": "1024",
        "CONSENTQL_ARGON2_PARALLELISM": "1",
    }
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
