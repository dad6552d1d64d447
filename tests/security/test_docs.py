"""docs/security.md shows the role matrix the code enforces."""

from __future__ import annotations

from pathlib import Path

from resolvers.common.permissions import matrix_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"


async def test_the_documented_matrix_is_the_enforced_one() -> None:
    text = DOC.read_text()
    documented = text.split("<!-- matrix:start -->\n", 1)[1].split("\n<!-- matrix:end -->", 1)[0]
    assert documented == matrix_table()
