"""Fixtures of the staff tests: the security tests' api_with (the same database behind other settings)."""

from tests.security.conftest import api_with  # noqa: F401
