"""The entry point a serving worker imports (`api.http.asgi`) freezes what it made on starting
out of the garbage collector's reach, so the collections requests set off do not walk it again.
In a process of its own: frozen objects are never freed, which the test process must not do."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_serving_worker_freezes_its_start_up_objects(tmp_path: Path) -> None:
    frozen = subprocess.run(
        [sys.executable, "-c", "import gc, api.http.asgi; print(gc.get_freeze_count())"],
        cwd=ROOT,
        env={"CONSENTQL_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    # The schema and the app alone are tens of thousands of objects.
    assert int(frozen.stdout) > 10_000
