"""The loop shared by the background workers (webhook deliveries, campaigns): one pass every
poll_seconds in a task of the server process or of a `canopy ... worker` command."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Self


class PollingWorker:
    poll_seconds: float = 1.0
    _loop: asyncio.Task[None] | None = None

    async def tick(self) -> Any:  # one pass over the due work
        raise NotImplementedError

    async def close(self) -> None:  # what a stop releases beyond the loop
        return None

    def start(self) -> Self:
        self._loop = asyncio.create_task(self._run())
        return self

    async def stop(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        await self.close()

    async def _run(self) -> None:
        log = logging.getLogger(type(self).__module__)
        while True:
            try:
                await self.tick()
            except Exception:  # a database, SMTP or network hiccup must not end the worker
                log.exception("%s pass failed", type(self).__name__)
            await asyncio.sleep(self.poll_seconds)
