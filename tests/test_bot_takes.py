"""Pictures, takes and Finalize on Discord, through the loopback server with tiny-model renders."""
from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from bot_harness import REQUEST, World, embed_text
from generation.encoding import probe
from studio.service import Studio


def picture(width: int = 128, height: int = 64, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (220, 60, 20)).save(buffer, format=fmt)
    return buffer.getvalue()


async def test_a_picture_with_takes_then_pick_then_finalize(world: World, worker, tmp_path: Path) -> None:  # noqa: ANN001
    fake = world.fake
    async with fake.running(world.bot()):
        ix = await fake.slash(world.alice, "video", {"prompt": REQUEST, "shots": 1, "duration": 1, "takes": 2,
                                                     "image": ("boat.png", picture())})  # fmt: skip
        status = await ix.wait_message(lambda m: bool(m.embeds))
        assert "center-cropped to 64x64" in status.content
        takes = await world.studio.clip(1)
        recipes = Studio.recipes(takes)
        assert takes.remix_kind == "takes" and len({r.seed for r in recipes}) == 2
        assert all(Path(r.init_image).parent == world.config.media_dir / "pictures" for r in recipes)

        grid = await world.posted_clip()
        assert grid.custom_ids() == ["reelbot:take:one:1", "reelbot:take:two:1"]
        # The grid preview: each take's own short video, and the contact sheet.
        assert [a.filename for a in grid.attachments] == ["clip-1-take-1.mp4", "clip-1-take-2.mp4", "storyboard-1.png"]
        assert grid.attachment("storyboard-1.png").data.startswith(b"\x89PNG")
        for number, recipe in enumerate(recipes, start=1):
            (tmp_path / f"take-{number}.mp4").write_bytes(grid.attachment(f"clip-1-take-{number}.mp4").data)
            assert probe(tmp_path / f"take-{number}.mp4").frame_count == recipe.frames

        chosen = await fake.click(grid, "reelbot:take:two:1", world.alice)
        await chosen.wait_message(lambda m: bool(m.embeds))
        picked_post = await world.posted_clip()
        picked = await world.studio.clip(2)
        assert (picked.parent_id, picked.remix_kind) == (1, "pick")
        assert Studio.recipes(picked)[0] == recipes[1]
        assert "reelbot:clip:finalize:2" in picked_post.custom_ids()  # a draft: it can be finalized
        # The post says so: tiny-wan's drafts take its distilled LoRA, 4 steps.
        assert "Quality: draft · 4 steps" in embed_text(picked_post)

        final = await fake.click(picked_post, "reelbot:clip:finalize:2", world.bob)
        await final.wait_message(lambda m: bool(m.embeds))
        final_post = await world.posted_clip()
        finalized = await world.studio.clip(3)
        assert (finalized.parent_id, finalized.remix_kind, finalized.author_id) == (2, "finalize", world.bob.id)
        # Bob finalized alice's pick: credited as what it is.
        assert "final of alice's clip #2" in embed_text(final_post)
        assert "Quality: final · 3 steps" in embed_text(final_post)
        assert "reelbot:clip:finalize:3" not in final_post.custom_ids()


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
