"""Discord's per-channel message budget as the bot spends it.

Discord allows about 5 message sends or edits per 5 seconds in one channel (the figures come with every
response's X-RateLimit-* headers; https://discord.com/developers/docs/topics/rate-limits). discord.py waits
out a 429 and retries, but a bot that keeps asking anyway turns each wait into a storm of 429s and delays
what matters (a finished clip) behind what doesn't (the 40th queued message's new position). So writes
that must happen wait for room (`take`), and optional ones (progress edits) happen only when there is
room to spare (`try_take`), leaving `reserve` writes per window for the must-haves.
"""
from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque

DISCORD_CHANNEL_WRITES = 5
DISCORD_CHANNEL_WINDOW_S = 5.0


class ChannelBudget:
    """A sliding window of `limit` message writes per `window_s` seconds per channel id.

    `limit` >= 1; `reserve` (< limit) writes per window are kept for `take`. Not thread-safe: one event loop.
    """

    def __init__(
        self, limit: int = DISCORD_CHANNEL_WRITES, window_s: float = DISCORD_CHANNEL_WINDOW_S, *, reserve: int = 1
    ) -> None:
        if limit < 1 or not 0 <= reserve < limit:
            raise ValueError("need limit >= 1 and 0 <= reserve < limit")
        self.limit, self.window_s, self.reserve = limit, window_s, reserve
        self._writes: dict[int, deque[float]] = defaultdict(deque)
        self._blocked_until: dict[int, float] = {}

    def _used(self, channel_id: int, now: float) -> int:
        writes = self._writes[channel_id]
        while writes and writes[0] <= now - self.window_s:
            writes.popleft()
        return len(writes)

    def try_take(self, channel_id: int) -> bool:
        """Spend one optional write now if the channel has room beyond the reserve; False means skip it."""
        now = time.monotonic()
        if now < self._blocked_until.get(channel_id, 0.0) or self._used(channel_id, now) >= self.limit - self.reserve:
            return False
        self._writes[channel_id].append(now)
        return True

    async def take(self, channel_id: int) -> None:
        """Wait until the channel has room, then spend one write."""
        while True:
            now = time.monotonic()
            wait = self._blocked_until.get(channel_id, 0.0) - now
            if wait <= 0 and self._used(channel_id, now) < self.limit:
                self._writes[channel_id].append(now)
                return
            if wait <= 0:
                wait = self._writes[channel_id][0] + self.window_s - now
            await asyncio.sleep(max(wait, 0.001))

    def retry_after(self, channel_id: int, seconds: float) -> None:
        """Discord said to wait `seconds` (a 429's Retry-After): no writes to the channel until then."""
        self._blocked_until[channel_id] = max(self._blocked_until.get(channel_id, 0.0), time.monotonic() + seconds)
