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


def test_chat_help_shows_the_action_as_optional() -> None:
    from cli.main import build_parser

    parser = build_parser()
    chat = parser._subparsers._group_actions[0].choices["chat"]  # noqa: SLF001 - argparse has no public getter
    usage = chat.format_usage()
    assert "[ACTION]" in usage and " ACTION ..." not in usage.replace("[ACTION]", "")
    assert "Without an action: chat in the terminal" in chat.format_help()
    assert parser.parse_args(["chat", "--email", "a@b.example"]).chat_action is None
