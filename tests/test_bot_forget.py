"""/forget through Discord: the member's posted clips come down, moderators only for others."""
from __future__ import annotations

from bot_harness import World
from test_forget import MARKER, dump


async def test_forget_through_discord_takes_down_posted_clips(world: World) -> None:
    from storage.clips import set_posted_message

    fake = world.fake
    async with fake.running(world.bot()):  # no worker: the clip stays queued
        status = await (await fake.slash(world.alice, "video", {"prompt": MARKER})).wait_message(
            lambda m: bool(m.embeds))
        await world.studio.adb.write(set_posted_message, 1, status.id)
        refused = await (await fake.slash(world.bob, "forget member", {"member": world.alice})).wait_message()
        assert refused.ephemeral and "Only a server admin" in refused.content
        done = await (await fake.slash(world.alice, "forget me")).wait_message()
        assert done.ephemeral and done.content.startswith("Done: ")
        assert status.deleted
        again = await (await fake.slash(world.admin, "forget member", {"member": world.alice})).wait_message()
        assert again.content == "Reelbot holds nothing more about alice."
    assert MARKER not in dump(world.studio)
