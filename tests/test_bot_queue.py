"""/queue: your renders with their place in line, cancelling from the list or the status message."""
from __future__ import annotations

from bot_harness import REQUEST, World
from common.text import Text
from renderqueue.jobs import claim_next, fail_job


async def test_queue_lists_and_cancels_and_admins_see_everyone(world: World) -> None:
    fake = world.fake
    async with fake.running(world.bot()):  # no worker: everything stays queued
        alice_status = await (await fake.slash(world.alice, "video", {"prompt": REQUEST})).wait_message(
            lambda m: bool(m.embeds))
        bob_status = await (await fake.slash(world.bob, "video", {"prompt": "a cat on a boat"})).wait_message(
            lambda m: bool(m.embeds))
        assert alice_status.content.startswith("⏳ Clip #1 is queued · position 1 · ETA ")

        listing = await (await fake.slash(world.alice, "queue")).wait_message()
        assert listing.ephemeral and "**#1**" in listing.content and "#2" not in listing.content
        menu = listing.component("reelbot:queue:cancel:mine")
        assert [option["value"] for option in menu["options"]] == ["1"]

        await fake.click(listing, "reelbot:queue:cancel:mine", world.alice, values=["1"])
        await fake.wait_until(lambda: "Nothing queued" in listing.content, what="the list to be updated")
        assert listing.components == []
        await fake.wait_until(lambda: "was cancelled" in alice_status.content, what="the status message to say so")
        # One short line is all a cancelled request leaves: no card, no buttons, nobody pinged.
        assert alice_status.components == [] and alice_status.embeds == []
        assert alice_status.content == "🚫 Clip #1 was cancelled."

        refused = await (await fake.slash(world.bob, "queue", {"scope": "all"})).wait_message()
        assert refused.ephemeral and "Only server admins and moderators" in refused.content
        overview = await (await fake.slash(world.admin, "queue", {"scope": "all"})).wait_message()
        assert "**#2**" in overview.content and "by bob" in overview.content and "**#1**" not in overview.content

        not_yours = await (await fake.click(bob_status, "reelbot:job:cancel:2", world.alice)).wait_message()
        assert not_yours.ephemeral and "Only the person who asked for clip #2 (or an admin)" in not_yours.content
        by_admin = await (await fake.click(bob_status, "reelbot:job:cancel:2", world.admin)).wait_message()
        assert by_admin.ephemeral and by_admin.content == "Cancelled clip #2."
        await fake.wait_until(lambda: "was cancelled" in bob_status.content, what="bob's status message")
        await world.delivered()


async def test_a_failed_render_is_announced_to_its_requester(world: World) -> None:
    fake = world.fake
    async with fake.running(world.bot()):
        status = await (await fake.slash(world.alice, "video", {"prompt": REQUEST})).wait_message(
            lambda m: bool(m.embeds))

        def fail(db) -> None:  # noqa: ANN001 - what a worker does when the GPU gives up for good
            job = claim_next(db, "test-worker", loaded_model=None)
            fail_job(db, job.id, Text.raw("The GPU ran out of memory, even at a smaller size."), retry=False)

        await world.studio.adb.write(fail)
        notice = await fake.wait_for_message(channel=world.general, predicate=lambda m: m.content.startswith("❌"))
        assert world.alice.user in notice.mentions and "clip #1 couldn't be made" in notice.content
        assert "The GPU ran out of memory" in notice.content
        await fake.wait_until(lambda: status.content == notice.content, what="the status message to match")
        await world.delivered()
