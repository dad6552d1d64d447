"""The cheap argon2 parameters exist for the tests only: the default is argon2's own."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from config import password_hash_params

ROOT = Path(__file__).resolve().parents[2]
PROBE = "from resolvers.core.auth import hash_password; print(hash_password('x'))"


def _hash_in_process(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)


def test_default_hash_uses_argon2_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CANOPY_TEST_FAST_PASSWORD_HASH", raising=False)
    assert password_hash_params() == {}
    env = {k: v for k, v in os.environ.items() if k != "CANOPY_TEST_FAST_PASSWORD_HASH"}
    made = _hash_in_process(env)
    assert made.returncode == 0, made.stderr
    default = PasswordHasher()
    params = f"m={default.memory_cost},t={default.time_cost},p={default.parallelism}"
    assert made.stdout.startswith(f"$argon2id$v=19${params}$"), made.stdout


def test_fast_hash_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANOPY_TEST_FAST_PASSWORD_HASH", "1")
    monkeypatch.setenv("CANOPY_ENV", "production")
    with pytest.raises(RuntimeError, match="CANOPY_TEST_FAST_PASSWORD_HASH"):
        password_hash_params()
