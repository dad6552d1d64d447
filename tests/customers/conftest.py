"""Customer fixtures: the membership shop (a store tree, customers, a program) for merges."""

from tests.membership.conftest import shop  # noqa: F401 - the fixture
