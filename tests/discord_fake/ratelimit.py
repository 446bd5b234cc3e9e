"""Discord's per-channel message budget, as the fake enforces it.

Discord limits message sends and edits per channel (about 5 per 5 seconds; the exact figures come with
each response's X-RateLimit-* headers, https://discord.com/developers/docs/topics/rate-limits). Going
over earns a 429 whose body and `Retry-After` header say how long to wait. discord.py retries a 429 only
when the response carries a `Via` header (a 429 without one is Cloudflare's ban), so ours does.
"""

from __future__ import annotations

import math
import re
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

from .models import ApiError

# Message sends, edits and deletes in one channel share a budget.
_CHANNEL_MESSAGES = re.compile(r"^/channels/(\d+)/messages(/\d+)?$")


@dataclass
class ChannelBudget:
    """A sliding window of `limit` message writes per `window_s` seconds in each channel."""

    limit: int = 5
    window_s: float = 5.0
    _writes: dict[int, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def check(self, method: str, path: str, now: float | None = None) -> dict[str, str]:
        """Count one request; its X-RateLimit headers, or ApiError 429 when the channel is over budget."""
        match = _CHANNEL_MESSAGES.match(path)
        if method not in ("POST", "PATCH", "DELETE") or match is None:
            return {}
        now = time.monotonic() if now is None else now
        writes = self._writes[int(match.group(1))]
        while writes and writes[0] <= now - self.window_s:
            writes.popleft()
        bucket = f"channel-{match.group(1)}-messages"
        if len(writes) >= self.limit:
            retry_after = writes[0] + self.window_s - now
            raise ApiError(429, 0, "You are being rate limited.", retry_after=retry_after, headers={
                "Retry-After": str(math.ceil(retry_after)), "Via": "1.1 google", "X-RateLimit-Limit": str(self.limit),
                "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Bucket": bucket, "X-RateLimit-Scope": "user"})  # fmt: skip
        writes.append(now)
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.limit - len(writes)),
            "X-RateLimit-Reset-After": f"{writes[0] + self.window_s - now:.3f}",
            "X-RateLimit-Bucket": bucket,
        }
