"""Pictures, takes and Finalize on Discord, through the loopback server with tiny-model renders."""
from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from bot_harness import REQUEST, World, embed_text
from storage.settings import set_setting
from studio.service import Studio


def picture(width: int = 128, height: int = 64, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (220, 60, 20)).save(buffer, format=fmt)
    return buffer.getvalue()


async def test_a_picture_with_takes_then_pick_then_finalize(world: World, worker, tmp_path: Path) -> None:  # noqa: ANN001
    """Takes are stills of every shot on one storyboard: a pick renders nothing, Animate renders the picks,
    and the draft's Finalize refines it."""
    fake = world.fake
    await world.studio.adb.write(set_setting, world.guild.id, "animate_quality", "draft")
    async with fake.running(world.bot()):
        ix = await fake.slash(world.alice, "video", {"prompt": REQUEST, "shots": 1, "duration": 1, "takes": 2,
                                                     "image": ("boat.png", picture())})  # fmt: skip
        status = await ix.wait_message(lambda m: any(a.filename == "stills-1.png" for a in m.attachments), timeout=120)
        clip = await world.studio.clip(1)
        assert clip.remix_kind is None and "reelbot:stills:take:1" in status.custom_ids()
        options = [option["value"] for option in status.component("reelbot:stills:take:1")["options"]]
        assert options == ["1:1", "1:2", "all:1", "all:2"]
        # The picture is shot 1's first take; the second take is another seed.
        first = Studio.recipes(clip)[0]
        assert Path(first.init_image).parent == world.config.media_dir / "pictures"

        picked = await fake.click(status, "reelbot:stills:take:1", world.alice, values=["1:2"])
        assert "shot 1: take 2" in (await picked.wait_message(lambda m: m.ephemeral)).content
        animate = await fake.click(status, "reelbot:storyboard:animate:1", world.alice)
        await animate.wait_response()
        post = await world.posted_clip()
        animated = Studio.recipes(await world.studio.clip(1))[0]
        assert animated.seed != first.seed and animated.quality == "draft"
        assert "reelbot:clip:finalize:1" in post.custom_ids()
        # The post says so: tiny-wan's drafts take its distilled LoRA, 4 steps.
        assert "Quality: draft · 4 steps" in embed_text(post)

        final = await fake.click(post, "reelbot:clip:finalize:1", world.bob)
        await final.wait_message(lambda m: bool(m.embeds))
        final_post = await world.posted_clip()
        finalized = await world.studio.clip(2)
        assert (finalized.parent_id, finalized.remix_kind, finalized.author_id) == (1, "finalize", world.bob.id)
        assert Studio.recipes(finalized)[0].init_video is not None  # refined from the draft, not re-rolled
        assert "Quality: final · 3 steps" in embed_text(final_post)
        assert "reelbot:clip:finalize:2" not in final_post.custom_ids()


async def test_bad_attachments_are_refused_and_a_mention_replying_to_a_picture_starts_from_it(world: World) -> None:
    fake = world.fake
    async with fake.running(world.bot()):
        for name, data, expected in (
            ("notes.txt", b"just text", "PNG, JPEG or WebP"),
            ("empty.png", b"", "empty"),
            ("cut.png", picture()[:-60], "damaged or cut off"),
        ):
            ix = await fake.slash(world.alice, "video", {"prompt": REQUEST, "image": (name, data)})
            answer = await ix.wait_message(lambda m: m.ephemeral or "⚠️" in m.content)
            assert expected in answer.content, answer.content
        assert await world.studio.active_jobs() == []  # nothing was queued

        posted = await fake.say(world.bob, world.general, "look at my boat", files=[("boat.jpg", picture(fmt="JPEG"))])
        await fake.say(world.alice, world.general, f"<@{fake.bot_user.id}> the boat sails away", reply_to=posted,
                       mention_author=False)  # fmt: skip
        status = await fake.wait_for_message(channel=world.general, predicate=lambda m: bool(m.embeds), timeout=30)
        clip = await world.studio.clip(1)
        assert clip.request == "the boat sails away" and clip.author_id == world.alice.id
        assert Studio.recipes(clip)[0].init_image is not None and status.embeds



async def test_a_mention_is_never_a_dead_end(world: World) -> None:
    """A mention with words but no picture makes a clip from the words; one with no words gets a hint."""
    fake = world.fake
    mention = f"<@{fake.bot_user.id}>"
    async with fake.running(world.bot()):
        await fake.say(world.alice, world.general, f"{mention} a red kite over the dunes")
        status = await fake.wait_for_message(channel=world.general, predicate=lambda m: bool(m.embeds), timeout=30)
        clip = await world.studio.clip(1)
        assert clip.request == "a red kite over the dunes" and clip.author_id == world.alice.id
        assert Studio.recipes(clip)[0].init_image is None and status.reference is not None

        await fake.say(world.bob, world.general, mention)
        hint = await fake.wait_for_message(channel=world.general, predicate=lambda m: "Tell me what to make" in m.content)
        assert "`/help`" in hint.content and hint.reference is not None
        assert len(await world.studio.active_jobs()) <= 1  # the hint queued nothing
