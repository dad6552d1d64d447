"""A page of 100 customers creates (almost) no cyclic garbage: a request is freed by
reference counting, which is what makes gcsetup.py's rare collections safe.

SQLite only: the bench generator's data set (memberships, orders: every loader runs);
the cycles in question are in Python objects, not in the driver.
"""

from __future__ import annotations

from pathlib import Path

from bench.memory import cyclic_garbage, page_app

# What one page still leaves in cycles is all inside libraries (measured 588 objects,
# down from 3,607 before Context.close() dropped its DataLoaders):
# - SQLAlchemy: the subquery/aliased statements built per request (Column proxies,
#   _ColumnMetrics, labels, BindParameter, lambda options) are cyclic by design;
#   issue 17 step 2 (statements built once per shape) removes them;
# - graphql-core: CollectedFields/FieldDetails/RefMap of the selection collected per request;
#   strawberry's graphql-core ExecutionContext is itself cyclic and holds context_value,
#   so the request's Context object (its Viewer, Lock) goes with it -- but no longer its
#   loaders, futures or rows, which Context.close() drops;
# - httpx's client-side Request/URL (the test's own client, not the server).
LIBRARY_BOUND = 800
# ORM rows and their states, DataLoader tasks and futures must never be in a cycle:
# they were 3,000 of the 3,607 objects before the fix.
OURS = ("db.models.", "sqlalchemy.orm.state.", "strawberry.dataloader.", "_asyncio.Future")


async def test_page_of_100_creates_no_cyclic_garbage(tmp_path: Path) -> None:
    async with page_app(tmp_path) as page:
        garbage = await cyclic_garbage(page)
    ours = {name: n for name, n in garbage.items() if name.startswith(OURS)}
    assert ours == {}
    assert sum(garbage.values()) <= LIBRARY_BOUND, garbage.most_common(15)
