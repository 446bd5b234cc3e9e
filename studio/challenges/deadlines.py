"""Challenge deadlines: rows in the database (storage/events.py), fired by `run_due_events` at start-up and
by a `DeadlineLoop` while a front-end runs, so a challenge still closes when its deadline passed while the
bot was down.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from studio.challenges.service import ChallengeService
from studio.challenges.views import Results
from studio.service import Studio

log = logging.getLogger(__name__)


async def run_due_events(
    studio: Studio, now: float | None = None, deliver: Callable[[Results], Awaitable[None]] | None = None
) -> list[Results]:
    """`ChallengeService.run_due_events` for callers without a service of their own (e.g. at startup)."""
    return await ChallengeService(studio).run_due_events(now, deliver)


class DeadlineLoop:
    """Fires challenge deadlines while a front-end runs: catches up on start, then sleeps until the next
    deadline or until the service schedules a new one. Run `run()` as a task; cancel it to stop."""

    def __init__(
        self,
        service: ChallengeService,
        deliver: Callable[[Results], Awaitable[None]],
        *,
        max_sleep: float = 60.0,
        retry_delay: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.service = service
        self.deliver = deliver
        # Bounded sleeps notice deadlines another process scheduled and survive wall-clock jumps.
        self.max_sleep = max_sleep
        self.retry_delay = retry_delay
        self.clock = clock

    async def run(self) -> None:
        """Fire deadlines until cancelled (run it as a task; cancelling it is the only way it ends)."""
        while True:
            await self.run_once()

    async def run_once(self) -> None:
        """One pass: fire what is due, then sleep until the next deadline (or a wake-up)."""
        self.service.scheduled.clear()
        ran_at = self.clock()
        try:
            await self.service.run_due_events(ran_at, self.deliver)
            next_at = await self.service.next_deadline()
        except Exception:  # noqa: BLE001 - the loop outlives a database hiccup
            log.exception("deadline pass failed")
            next_at = ran_at
        if next_at is None:
            delay = self.max_sleep
        elif next_at <= ran_at:
            # Still due after a pass: its delivery failed; don't spin on it.
            delay = self.retry_delay
        else:
            delay = max(0.0, next_at - self.clock())
        # Not asyncio.wait_for: on Python 3.11 it swallows a cancel that lands just as the wake-up does,
        # and the loop would then outlive the front-end that cancelled it.
        try:
            async with asyncio.timeout(min(delay, self.max_sleep)):
                await self.service.scheduled.wait()
        except TimeoutError:
            pass


# --- rules of play (run on the database thread) -------------------------------------------------------
