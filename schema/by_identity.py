"""Values derived from a shared object (a parsed document, an event's result data), kept by the
object's identity: hashing or comparing such objects by value would cost what the cache saves."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any


class ByIdentity:
    """A bounded LRU of `derive(obj)` by `id(obj)`. Each entry holds its object, so an id is
    never reused by another object while it is a key."""

    def __init__(self, derive: Callable[[Any], Any], limit: int) -> None:
        self.derive, self.limit = derive, limit
        self.found: OrderedDict[int, tuple[Any, Any]] = OrderedDict()
        self.derived = 0  # how many times derive ran (tests read it)

    def __call__(self, obj: Any) -> Any:
        found = self.found.get(id(obj))
        if found is not None and found[0] is obj:
            self.found.move_to_end(id(obj))
            return found[1]
        self.derived += 1
        value = self.derive(obj)
        self.found[id(obj)] = (obj, value)
        if len(self.found) > self.limit:
            self.found.popitem(last=False)
        return value
