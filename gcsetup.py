"""Garbage-collector settings for a serving process, applied once after startup.

Measured with `python -m bench.memory` (docs/performance.md, 2026-12-01): a page of
100 allocates far more container objects than the default gen-0 threshold (700), so
it triggered ~15 collections per page, each re-walking the long-lived startup heap
(schema, mappers, compiled statements). Requests leave almost no cyclic garbage
(tests/core/test_memory.py), so collections can be rare: freeze the startup heap out
of the GC's view and raise the gen-0 threshold.
"""

from __future__ import annotations

import gc

# gen0 50,000: a few collections per page instead of ~15; gen1/gen2 keep the default
# ratios. Peak extra memory is bounded by ~50,000 young objects (a few MB).
THRESHOLDS = (50_000, 10, 10)


def freeze_startup_heap(thresholds: tuple[int, int, int] = THRESHOLDS) -> None:
    """Collect once, move every surviving object to the permanent generation, set thresholds."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)
