"""A bot restart loses nothing: clips rendered while it was down get posted, requests it was still expanding
are finished, and the buttons on messages the old process posted keep working."""
from __future__ import annotations

import asyncio
from typing import Any

from bot_harness import QUICK, REQUEST, World, embed_text, eventually, rendering
from prompts.expand import RuleBasedExpander
from studio.runtime import open_studio
from studio.service import Studio


class StallingExpander:
    """Thinks forever about lighthouses: the bot process goes down while a request is being expanded."""

    def __init__(self) -> None:
        self.inner = RuleBasedExpander()
        self.stalled: list[asyncio.Task[Any]] = []

    async def expand(self, request: str, options: Any = None) -> Any:
        if "lighthouse" in request:
            self.stalled.append(asyncio.current_task())  # type: ignore[arg-type]
            await asyncio.Event().wait()
        return await self.inner.expand(request, options)


async def test_restart_mid_render_still_posts_the_clip_and_old_buttons_still_work(world: World) -> None:
    fake = world.fake
    expander = StallingExpander()
    first_process = Studio(world.config, world.studio.adb, expander)
    async with fake.running(world.bot(first_process)):
        with rendering(world.config):
            await fake.slash(world.alice, "video", {"prompt": REQUEST, **QUICK})
            old_post = await world.posted_clip()
        queued = await (await fake.slash(world.alice, "video", {"prompt": "a cat on a boat", **QUICK})).wait_message(
            lambda m: bool(m.embeds))
        expanding = await fake.slash(world.bob, "video", {"prompt": "a lighthouse in a storm", **QUICK})
        await eventually(lambda: world.studio.adb.read(lambda db: db["requests"].count), lambda n: n == 3)
    for task in expander.stalled:  # the process is gone: so is whatever it was doing
        task.cancel()
    assert "queued" in queued.content and expanding.original is not None and expanding.original.loading

    second_process = open_studio(world.config)
    try:
        with rendering(world.config):
            async with fake.running(world.bot(second_process)):
                posted = [await world.posted_clip(), await world.posted_clip()]
                assert sorted(m.attachments[0].filename for m in posted) == ["clip-2.mp4", "clip-3.mp4"]
                await world.delivered()
                # The request the first process never queued was expanded on restart: its placeholder showed it.
                assert "lighthouse" in embed_text(expanding.original).lower()
                await fake.wait_until(lambda: queued.deleted and expanding.original.deleted,
                                      what="both status messages to give way to their clips")

                details = await fake.click(old_post, "reelbot:clip:details:1", world.bob)
                assert "Clip #1" in embed_text(await details.wait_message())
                reroll = await fake.click(old_post, "reelbot:clip:reroll:1", world.bob)
                assert "re-rolled" in embed_text(await reroll.wait_message(lambda m: bool(m.embeds)))
    finally:
        await second_process.aclose()
