"""/video end to end: a slash command, a status message with progress, a posted, playable clip, buttons."""
from __future__ import annotations

from pathlib import Path

from bot_harness import QUICK, REQUEST, World, embed_text, video_of
from discord_fake import MessageFlag


async def test_video_is_posted_as_a_playable_clip_with_storyboard_embed_and_buttons(
    world: World, worker, tmp_path: Path  # noqa: ANN001
) -> None:
    fake = world.fake
    async with fake.running(world.bot()):
        ix = await fake.slash(world.alice, "video", {"prompt": REQUEST, "seed": 7, **QUICK})
        status = await ix.wait_message(lambda m: bool(m.embeds))
        assert ix.response_type == 5  # deferred at once, then filled in with the shot list
        assert not status.ephemeral and "Shots (1, 1.0s)" in embed_text(status) and "Style" in embed_text(status)
        assert status.custom_ids() == ["reelbot:job:cancel:1"]

        posted = await world.posted_clip()
        info = video_of(posted, tmp_path)
        assert info.frame_count > 0 and (info.width, info.height) == (64, 64)
        assert [a.filename for a in posted.attachments] == ["clip-1.mp4", "storyboard-1.png"]
        assert posted.attachment("storyboard-1.png").data.startswith(b"\x89PNG")
        assert posted.content.startswith(f"<@{world.alice.id}>") and world.alice.user in posted.mentions
        text = embed_text(posted)
        assert "by @alice" in text and "Seed: 7" in text and "Model: tiny" in text and "Clip #1" in text
        assert REQUEST in text and posted.embeds[0]["image"]["url"] == "attachment://storyboard-1.png"
        # Only buttons that work: no challenge is open, so no Enter challenge.
        actions = ("remix", "reroll", "subtle", "vary", "extend", "details", "delete")
        assert posted.custom_ids() == [f"reelbot:clip:{action}:1" for action in actions]

        # One status message, edited in place with progress while rendering, then replaced by the post: one
        # message stays for the request.
        await fake.wait_until(lambda: status.deleted, what="the status message to give way to the post")
        shown = [edit.get("content") or "" for edit in status.edits]
        assert any("▰" in line and "%" in line for line in shown), shown
        assert not any("position 0" in line for line in shown), shown
        assert [m.id for m in fake.channel_messages(world.general)] == [posted.id]
        clip = await world.studio.clip(1)
        assert clip.posted_message_id == posted.id and clip.origin["status_message_id"] == status.id
        assert await world.studio.finished_jobs("discord") == []

        details = await fake.click(posted, "reelbot:clip:details:1", world.bob)
        recipe = await details.wait_message()
        # Details is short: per shot its seed, steps, the frames it really has at their rate, and its prompt.
        shot = clip.recipes[0]
        short = embed_text(recipe)
        assert recipe.flags & MessageFlag.EPHEMERAL and (
            f"**Shot 1** · seed 7 · {shot['steps']} steps · {info.frame_count} frames at {info.fps:g} fps" in short)
        assert f"> {shot['prompt']}" in short and "negative" not in short and len(short) < 900, short

        reroll = await fake.click(posted, "reelbot:clip:reroll:1", world.bob)
        remix_status = await reroll.wait_message(lambda m: bool(m.embeds))
        assert reroll.response_type == 5 and "re-rolled every shot" in embed_text(remix_status)
        remixed = await world.posted_clip()
        assert video_of(remixed, tmp_path).frame_count == info.frame_count
        assert "remix of alice's clip #1" in embed_text(remixed) and "by @bob" in embed_text(remixed)
        child = await world.studio.clip(2)
        assert (child.parent_id, child.remix_kind, child.author_id) == (1, "reroll", world.bob.id)
        assert child.recipes[0]["seed"] != clip.recipes[0]["seed"]


async def test_bad_options_and_unknown_commands_get_specific_ephemeral_answers(world: World) -> None:
    fake = world.fake
    async with fake.running(world.bot()):
        refused = await fake.slash(world.alice, "video", {"prompt": "a cat", "shots": 6})
        answer = await refused.wait_message()
        assert answer.ephemeral and "between 1 and 4 shots" in answer.content
        # A public "thinking…" placeholder was replaced by the private answer, not left behind.
        assert [m for m in fake.channel_messages(world.general)] == []

        helped = await (await fake.slash(world.bob, "help")).wait_message()
        assert helped.ephemeral and "/video prompt" in embed_text(helped)
    assert await world.studio.finished_jobs("discord") == []
