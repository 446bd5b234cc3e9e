"""Discord's message nonces, as the fake honours them.

`POST /channels/{id}/messages` takes `nonce` (an int64 or a string of at most 25 characters) and
`enforce_nonce`. With `enforce_nonce: true`, "it will be checked for uniqueness in the past few minutes.
If another message was created by the same author with the same nonce, that message will be returned and
no new message will be created" (https://discord.com/developers/docs/resources/message#create-message).
After those few minutes Discord forgets the nonce and the same body posts again: `window_s` here, which
tests shorten to cross it. Without `enforce_nonce` the nonce is only echoed back in the message.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

# Discord documents "the past few minutes"; the exact figure is not published.
DEFAULT_WINDOW_S = 300.0


@dataclass
class NonceMemory:
    """Messages created with `enforce_nonce`, by (author id, nonce), for `window_s` seconds of `clock`."""

    window_s: float = DEFAULT_WINDOW_S
    clock: Callable[[], float] = time.monotonic
    _seen: dict[tuple[int, str], tuple[int, float]] = field(default_factory=dict)
    # How many creates were answered with an existing message (what a test asserts on).
    replayed: int = 0

    def existing(self, author_id: int, nonce: object) -> int | None:
        """The id of the message `author_id` created with `nonce` within the window, if any."""
        self._forget_old()
        seen = self._seen.get((author_id, str(nonce)))
        return None if seen is None else seen[0]

    def remember(self, author_id: int, nonce: object, message_id: int) -> None:
        self._seen[(author_id, str(nonce))] = (message_id, self.clock())

    def _forget_old(self) -> None:
        horizon = self.clock() - self.window_s
        for key in [key for key, (_id, at) in self._seen.items() if at <= horizon]:
            del self._seen[key]
