"""Transient faults outside a render, which a worker waits out instead of failing a job: a database held by
another program (writes retried with backoff, watch-thread writes skipped until the next one) and a media
folder that can't be written now (full disk, lost permissions), after which the worker backs off."""

from __future__ import annotations

import contextlib
import errno
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

import tenacity

from storage.db import DatabaseBusy, is_locked, while_locked

log = logging.getLogger(__name__)
T = TypeVar("T")


@contextlib.contextmanager
def skipped_while_locked(what: str) -> Iterator[None]:
    """Skip `what` (a heartbeat, a progress write) while another program holds the database past the busy
    timeout: the next one tries again, and the watch thread lives on."""
    try:
        yield
    except (sqlite3.OperationalError, DatabaseBusy) as error:
        if not isinstance(error, DatabaseBusy) and not is_locked(error):
            raise
        log.warning("%s skipped: the database is locked by another program", what)


def _log_lock_wait(state: tenacity.RetryCallState) -> None:
    log.warning("database locked by another program; retrying (waited %.1fs so far)", state.seconds_since_start)


def written(write: Callable[[], T]) -> T:
    """`write()`, retried with backoff while another program holds the database (`storage.db.while_locked`):
    what a worker records about its job must not be lost to a lock. Raises DatabaseBusy past LOCK_WAIT_S."""
    for attempt in while_locked(on_retry=_log_lock_wait):
        with attempt:
            return write()
    raise AssertionError("unreachable: while_locked returns or raises")


class Backoff:
    """How long a worker waits before claiming again after a transient fault outside the render (the media
    folder can't be written, another program holds the database): `first_s`, doubling with each fault in
    a row up to `max_s` seconds; a job that completes resets it. Faults may be reported from any thread."""

    def __init__(self, first_s: float, max_s: float) -> None:
        self.first_s, self.max_s = first_s, max_s
        self._faults = 0
        self._unwaited = False
        self._lock = threading.Lock()

    def fault(self) -> None:
        with self._lock:
            self._faults += 1
            self._unwaited = True

    def reset(self) -> None:
        with self._lock:
            self._faults, self._unwaited = 0, False

    def delay_s(self) -> float:
        """The wait due now: 0 unless a fault was reported since the last `wait`."""
        with self._lock:
            if not self._unwaited:
                return 0.0
            return min(self.max_s, self.first_s * 2 ** (self._faults - 1))

    def wait(self, stop: threading.Event) -> None:
        """Wait the delay due (returning early if `stop` is set)."""
        delay = self.delay_s()
        if delay:
            log.info("backing off %.1fs after %d transient fault(s) in a row", delay, self._faults)
            with self._lock:
                self._unwaited = False
            stop.wait(delay)


# errno values of a media folder that can't be written now but may be later: full disk or quota, lost
# permissions, a read-only or failing mount. A missing file (ENOENT) is not among them.
MEDIA_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.EIO})


def media_io_error(error: BaseException) -> OSError | None:
    """The transient OSError behind `error` (itself, or what it was raised from), if there is one."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, OSError) and current.errno in MEDIA_ERRNOS:
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
