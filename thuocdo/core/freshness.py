"""Small facts read from the database, kept per process for a second (docs/decisions/0037).

Some hot paths read, on every call, a fact that changes only when an operator acts: the
working-day calendar's revisions, the active routing model's version. `Rechecked` keeps
the last read for `seconds` (one by default), so a loop over many cases asks once a
second instead of once a case.

- Another process's change is seen within `seconds`.
- The process that makes a change calls `changed()` inside the changing transaction and
  sees the change at once: until that transaction ends, its own reads go to the database
  and are not kept (the transaction may still roll back), and the kept value is dropped
  again when it commits.
"""

import threading
import time
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import connection, transaction

T = TypeVar("T")

_every: "weakref.WeakSet[Rechecked[object]]" = weakref.WeakSet()


class Rechecked(Generic[T]):
    """`read()`'s result, read again when it is older than `seconds`."""

    def __init__(self, read: Callable[[], T], *, seconds: float = 1.0) -> None:
        self.read = read
        self.seconds = seconds
        self._held: tuple[float, T] | None = None
        self._lock = threading.Lock()
        self._local = threading.local()  # this thread's uncommitted change
        _every.add(self)  # type: ignore[arg-type]

    def get(self) -> T:
        if getattr(self._local, "changing", False):
            if connection.in_atomic_block:
                return self.read()  # our own change, not committed yet: read it, keep nothing
            self.forget()  # that transaction ended without a commit: it rolled back
        held = self._held
        now = time.monotonic()
        if held is not None and now - held[0] < self.seconds:
            return held[1]
        value = self.read()
        with self._lock:
            self._held = (now, value)
        return value

    def changed(self) -> None:
        """Call in the transaction that changes the fact."""
        self._local.changing = True
        with self._lock:
            self._held = None
        transaction.on_commit(self.forget)

    def forget(self) -> None:
        self._local.changing = False
        with self._lock:
            self._held = None


def rechecked_forget_all() -> None:
    """Drop every kept value (tests: a rolled-back test leaves its reads behind)."""
    for value in list(_every):
        value.forget()
