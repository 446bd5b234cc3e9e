"""Exactly-once posting: a front-end that dies after posting a clip and before recording it posts it once.

Found by the round's probes: `reelbot run` killed between the post and its record posted the clip (and
pinged its member) twice, 3 times in 15 kill rounds. Each delivery's key is recorded before the send
(storage.deliveries); the send carries it as Discord's nonce with enforce_nonce; past Discord's window the
bot looks for its post in the channel first (bot.delivery_once).
"""
from __future__ import annotations

import asyncio

import pytest

from bot import delivery_once
from bot_harness import QUICK, REQUEST, World, rendering
from studio.runtime import open_studio


async def post_then_die(world: World) -> None:
    """A bot process that renders and posts a clip and is gone before it records the post."""
    dying = open_studio(world.config)
    recorded = asyncio.Event()

    async def never(*_args: object, **_kwargs: object) -> None:
        await recorded.wait()  # the process is killed here: the post is out, its record never written

    dying.mark_delivered = never  # type: ignore[method-assign]
    try:
        async with world.fake.running(world.bot(dying)):
            with rendering(world.config):
                await (await world.fake.slash(world.alice, "video", {"prompt": REQUEST, **QUICK})).wait_message(
                    lambda m: bool(m.embeds))
                await world.posted_clip()
    finally:
        await dying.aclose()


def clip_posts(world: World) -> list:
    return [m for m in world.fake.channel_messages(world.general) if any(a.filename == "clip-1.mp4" for a in m.attachments)]


async def restart_and_deliver(world: World) -> None:
    again = open_studio(world.config)
    try:
        async with world.fake.running(world.bot(again)):
            await world.delivered()
    finally:
        await again.aclose()


async def test_a_restart_within_discords_window_resends_with_the_same_nonce_and_gets_the_same_message(world: World) -> None:
    await post_then_die(world)
    await restart_and_deliver(world)
    [post] = clip_posts(world)
    sends = [r for r in world.fake.requests_matching("POST", rf"/channels/{world.general.id}/messages$")
             if r.files and any(f.filename == "clip-1.mp4" for f in r.files)]
    assert len(sends) == 2 and {r.json["nonce"] for r in sends} == {post.nonce}
    assert all(r.json["enforce_nonce"] is True and len(r.json["nonce"]) <= 25 for r in sends)
    assert world.fake.nonces.replayed == 1
    assert (await world.studio.clip(1)).posted_message_id == post.id
    assert post.content.count("<@1001>") == 1  # the member was pinged once


async def test_after_the_window_the_bot_finds_its_post_in_the_channel(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.fake.nonces.window_s = 0.2  # Discord forgets the nonce...
    monkeypatch.setattr(delivery_once, "NONCE_TRUST_S", 0.2)  # ...and the bot knows not to trust it past that
    await post_then_die(world)
    await asyncio.sleep(0.3)
    await restart_and_deliver(world)
    [post] = clip_posts(world)
    assert world.fake.nonces.replayed == 0  # no second send at all: found in the history
    assert (await world.studio.clip(1)).posted_message_id == post.id


def test_a_nonce_fits_discords_limit_for_any_job_id(tmp_path) -> None:
    from storage.db import open_db
    from storage.deliveries import MAX_NONCE_CHARS, begin_delivery

    db = open_db(tmp_path / "db.sqlite3")
    db.execute("PRAGMA foreign_keys = OFF")
    first = begin_delivery(db, 2**62)
    assert len(first.nonce) <= MAX_NONCE_CHARS and begin_delivery(db, 2**62).nonce == first.nonce
    db.close()


