"""The cast in Discord, through the loopback server: /cast commands and their private refusals, a clip whose
post credits the character's owner, the owner's use note, and every consent path of "ask me" (approved,
declined, timed out, DMs closed) as the requester and the owner see them."""
from __future__ import annotations

import asyncio

from bot_harness import World, embed_text, eventually
from cast_fixtures import MIRA, portrait
from discord_fake import FakeMessage

QUICK = {"shots": 1, "duration": 1}


async def make_mira(world: World, consent: str = "server") -> FakeMessage:
    ix = await world.fake.slash(world.bob, "cast create", {
        "name": "Mira", "description": MIRA, "picture": ("mira.png", portrait((200, 40, 40))),
        "picture2": ("side.jpg", portrait((40, 40, 200), fmt="JPEG")), "aliases": "米拉, ミラ", "consent": consent})
    return await ix.wait_message()


def dm_messages(world: World, member) -> list[FakeMessage]:  # noqa: ANN001
    return world.fake.channel_messages(world.fake.state.open_dm(member.user))


async def test_create_show_list_delete_and_private_refusals(world: World) -> None:
    fake = world.fake
    async with fake.running(world.bot()):
        made = await make_mira(world)
        assert made.ephemeral and made.content.startswith("🎭 Mira is ready.")
        assert embed_text(made).startswith(f"Mira\n{MIRA}\nby @bob")
        assert "Also called: 米拉, ミラ" in embed_text(made) and "Who may use them: this server" in embed_text(made)
        assert [a.filename for a in made.attachments] == ["character-1-1.png", "character-1-2.png"]
        assert made.attachment("character-1-1.png").data.startswith(b"\x89PNG")
        for options, expected in (
            ({"name": "mira", "description": "x", "picture": ("m.png", portrait((1, 1, 1)))}, "already taken"),
            ({"name": "Leo", "description": "a cat", "picture": ("notes.txt", b"just text")}, "PNG, JPEG or WebP"),
            ({"name": "Leo", "description": "a cat", "picture": ("cut.png", portrait((9, 9, 9))[:-60])},
             "damaged or cut off"),
        ):
            refused = await (await fake.slash(world.alice, "cast create", options)).wait_message()
            assert refused.ephemeral and expected in refused.content, refused.content
        listed = await (await fake.slash(world.alice, "cast list")).wait_message()
        assert listed.ephemeral and "**Mira** (米拉, ミラ) by bob · this server" in embed_text(listed)
        shown = await (await fake.slash(world.alice, "cast show", {"name": "ミラ"})).wait_message()
        assert "Mira" in embed_text(shown) and len(shown.attachments) == 2
        denied = await (await fake.slash(world.alice, "cast delete", {"name": "Mira"})).wait_message()
        assert denied.ephemeral and denied.content == "Only bob or a moderator of this server can delete Mira."
        edit = await (await fake.slash(world.alice, "cast edit", {"name": "Mira", "description": "x"})).wait_message()
        assert edit.ephemeral and edit.content == "Only bob can change Mira."
        gone = await (await fake.slash(world.admin, "cast delete", {"name": "米拉"})).wait_message()
        assert gone.content.startswith("🗑️ Mira is deleted: no new clip can feature them.")
        unknown = await (await fake.slash(world.alice, "video", {"prompt": "a walk", "cast": "Mira"})).wait_message()
        assert unknown.ephemeral and "There is no character called “Mira” here" in unknown.content
        assert await world.studio.active_jobs() == []


async def test_a_clip_featuring_a_character_credits_its_owner_who_hears_of_it_once(world: World, worker) -> None:  # noqa: ANN001
    fake = world.fake
    async with fake.running(world.bot()):
        await make_mira(world)
        ix = await fake.slash(world.alice, "video", {"prompt": "Mira dances in the rain", **QUICK})
        status = await ix.wait_message(lambda m: bool(m.embeds))
        assert "Cast: Mira by bob · description only" in embed_text(status)
        post = await world.posted_clip()
        text = embed_text(post)
        assert "Cast: Mira by bob · description only" in text
        assert "tiny-wan can't take reference pictures, so Mira came from their description alone." in text
        note = await fake.wait_for_message(channel=fake.state.open_dm(world.bob.user), timeout=10)
        assert note.content.startswith("🎭 alice featured your character Mira in clip #1")
        assert f"/channels/{world.guild.id}/{world.general.id}/{post.id}" in note.content
        await world.delivered()
        await eventually(lambda: world.studio.clip_cast(1), lambda cast: cast[0].owner_told_at is not None)
        assert len(dm_messages(world, world.bob)) == 1  # told once


async def test_ask_me_approved_through_the_private_prompt_queues_the_waiting_request(world: World) -> None:
    fake = world.fake
    async with fake.running(world.bot()):
        await make_mira(world, consent="ask")
        ix = await fake.slash(world.alice, "video", {"prompt": "Mira dances in the rain", **QUICK})
        status = await ix.wait_message()
        assert not status.ephemeral and status.content.startswith(
            "⏳ Your request #1 is saved. Mira: their owner (bob) approves each use, so I've asked privately.")
        assert await world.studio.active_jobs() == []
        prompt = await fake.wait_for_message(channel=fake.state.open_dm(world.bob.user), timeout=10)
        assert prompt.content.startswith("🎭 alice would like to use Mira in a clip (request #1)")
        assert prompt.custom_ids() == ["reelbot:cast:approve:1", "reelbot:cast:decline:1"]
        stranger = await (await fake.click(prompt, "reelbot:cast:approve:1", world.alice)).wait_message()
        assert stranger.ephemeral and stranger.content == "Only bob can answer this."
        await fake.click(prompt, "reelbot:cast:approve:1", world.bob)
        await fake.wait_until(lambda: prompt.content.startswith("✅ You approved Mira for request #1."), timeout=10)
        await fake.wait_until(lambda: bool(status.embeds), timeout=10)
        assert "Cast: Mira by bob" in embed_text(status) and status.custom_ids() == ["reelbot:job:cancel:1"]
        assert len(await world.studio.active_jobs()) == 1
        assert len(dm_messages(world, world.bob)) == 1  # one prompt, never repeated


async def test_ask_me_declined_or_timed_out_tells_the_requester_once(world: World) -> None:
    fake = world.fake
    async with fake.running(world.bot()):
        await make_mira(world, consent="ask")
        first = await (await fake.slash(world.alice, "video", {"prompt": "Mira sings", **QUICK})).wait_message()
        second = await (await fake.slash(world.alice, "video", {"prompt": "Mira jumps", **QUICK})).wait_message()
        dm = fake.state.open_dm(world.bob.user)
        await fake.wait_until(lambda: len(fake.channel_messages(dm)) == 2, timeout=10)
        prompt = next(m for m in fake.channel_messages(dm) if "reelbot:cast:decline:1" in m.custom_ids())
        await fake.click(prompt, "reelbot:cast:decline:1", world.bob)
        await fake.wait_until(lambda: first.content.startswith("🚫"), timeout=10)
        assert first.content == ("🚫 bob declined the use of Mira, so request #1 won't be made. You can ask again "
                                 "without them.")
        await world.studio.adb.write(lambda db: db.execute("UPDATE cast_approvals SET due_at = 0 WHERE id = 2"))
        await fake.wait_until(lambda: second.content.startswith("🚫"), timeout=10)
        assert "bob didn't answer about Mira in time, so request #2 won't be made" in second.content
        edits = len(fake.requests_matching("PATCH", f"/channels/{world.general.id}/messages/{second.id}"))
        await asyncio.sleep(0.5)  # ten more rounds of the cast's loop: nothing is told twice
        assert len(fake.requests_matching("PATCH", f"/channels/{world.general.id}/messages/{second.id}")) == edits
        assert await world.studio.active_jobs() == []


async def test_an_owner_with_closed_direct_messages_answers_with_cast_waiting(world: World) -> None:
    fake = world.fake
    dm = fake.state.open_dm(world.bob.user)
    fake.inject_error("POST", f"/channels/{dm.id}/messages", status=403, code=50007,
                      message="Cannot send messages to this user")
    async with fake.running(world.bot()):
        await make_mira(world, consent="ask")
        status = await (await fake.slash(world.alice, "video", {"prompt": "Mira waves", **QUICK})).wait_message()
        await fake.wait_until(lambda: "couldn't reach them by direct message" in status.content, timeout=10)
        assert "they can answer with `/cast waiting`" in status.content
        listed = await (await fake.slash(world.bob, "cast waiting")).wait_message()
        assert listed.ephemeral and listed.content.startswith("🎭 alice would like to use Mira")
        await fake.click(listed, "reelbot:cast:approve:1", world.bob)
        await fake.wait_until(lambda: bool(status.embeds), timeout=10)
        assert "Cast: Mira by bob" in embed_text(status)
