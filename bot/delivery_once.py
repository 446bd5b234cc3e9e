"""Exactly-once clip posts in Discord: the delivery's nonce on every send, and a look at the channel when
Discord may have forgotten it.

`storage.deliveries` records each delivery's key before the first send. Every send carries its nonce with
`enforce_nonce` (discord.py sets it with any nonce), so a front-end killed between the post and recording
it gets the existing message back when it re-sends within Discord's window ("the past few minutes",
https://discord.com/developers/docs/resources/message#create-message). Past `NONCE_TRUST_S` since the
first try, the channel's recent messages are searched for the post first.
"""
from __future__ import annotations

import datetime as dt
import logging

import discord

from studio.records import DeliveryKey

log = logging.getLogger(__name__)

# Discord does not publish its window; trust the nonce well inside "a few minutes".
NONCE_TRUST_S = 120.0
# Messages searched back for an earlier post (the channel's budget allows a few posts a second at most).
HISTORY_LIMIT = 100


def posts_clip(message: discord.Message, clip_id: int) -> bool:
    """Whether `message` is the post of clip `clip_id`: its buttons name the clip (persistent custom ids
    `reelbot:<namespace>:<action>:<clip id>`, bot.buttons)."""
    for row in message.components:
        for item in getattr(row, "children", ()):
            parts = str(getattr(item, "custom_id", "") or "").split(":")
            if len(parts) == 4 and parts[0] == "reelbot" and parts[1] in ("clip", "take") and parts[3] == str(clip_id):
                return True
    return False


async def existing_post(channel: discord.abc.Messageable, me: int, clip_id: int, key: DeliveryKey) -> int | None:
    """The id of clip `clip_id`'s post by the bot (`me`) in `channel` since the delivery began, when the
    nonce may no longer guard a re-send; None otherwise (a fresh delivery, nothing found, or the history
    unreadable: then the nonce is all there is)."""
    if key.age_s < NONCE_TRUST_S:
        return None
    since = dt.datetime.fromtimestamp(key.started_at - 5, tz=dt.timezone.utc)
    try:
        async for message in channel.history(limit=HISTORY_LIMIT, after=since, oldest_first=True):
            if message.author.id == me and posts_clip(message, clip_id):
                log.info("clip %s was already posted as message %s; not posting it again", clip_id, message.id)
                return message.id
    except discord.HTTPException as error:
        log.warning("could not read channel history to find clip %s's post: %s", clip_id, error)
    return None
