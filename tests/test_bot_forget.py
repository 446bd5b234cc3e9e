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
        ask = await (await fake.slash(world.alice, "forget me")).wait_message()
        # Nothing happens before the member confirms.
        assert ask.ephemeral and "can't be undone" in ask.content and not status.deleted
        confirmed = await fake.click(ask, ask.custom_ids()[0], world.alice)
        await fake.wait_until(lambda: ask.content.startswith("Done: "), what="the forget to be done")
        assert status.deleted and ask.components == []
        del confirmed
        again = await (await fake.slash(world.admin, "forget member", {"member": world.alice})).wait_message()
        assert "alice's requests" in again.content
        await fake.click(again, again.custom_ids()[0], world.admin)
        await fake.wait_until(lambda: again.content == "Reelbot holds nothing more about alice.",
                              what="the second forget")
    assert MARKER not in dump(world.studio)


async def test_a_clip_forgotten_after_its_render_before_its_post_is_never_posted_nor_retried(world: World) -> None:
    """The member forgot themselves between the render and the post: the clip's origin went with them, so
    there is nothing to post; the delivery is recorded as done instead of being looked at every tick."""
    from bot_harness import eventually, rendering
    from studio.members import Member

    fake = world.fake
    async with fake.running(world.bot()):
        await (await fake.slash(world.alice, "video", {"prompt": MARKER, "shots": 1, "duration": 1})).wait_message(
            lambda m: bool(m.embeds))
    with rendering(world.config):  # rendered while the bot is away
        await eventually(lambda: world.studio.adb.read(lambda db: db.execute("SELECT status FROM jobs").fetchone()[0]),
                         lambda status: status == "done", timeout=60)
    alice = Member(id=world.alice.id, name="alice", guild_id=world.guild.id, channel_id=world.general.id)
    await world.studio.forget(alice)
    before = len(fake.state.messages)
    async with fake.running(world.bot()):
        await eventually(lambda: world.studio.adb.read(lambda db: db.execute("SELECT notified_at FROM jobs").fetchone()[0]),
                         lambda notified: notified is not None, timeout=30)
    assert len(fake.state.messages) == before  # nothing posted
    assert MARKER not in dump(world.studio)
