"""`canopy serve` on a busy port: one line, exit 1, before anything says it started."""

import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_busy_port_fails_in_one_line_with_exit_1(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {"PATH": "/usr/bin:/bin", "CANOPY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"}
        done = subprocess.run(
            [sys.executable, "-m", "cli.main", "serve", "--port", str(port)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
        )
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == f"canopy: cannot listen on 127.0.0.1:{port}: Address already in use"
    assert "startup complete" not in done.stdout + done.stderr
