"""Uploads within the channel's attachment limit: re-encoded ahead of time, and again when Discord says 413."""
from __future__ import annotations

from pathlib import Path

from bot_harness import QUICK, REQUEST, World, embed_text, rendering, video_of


async def test_a_clip_over_the_upload_limit_is_reencoded_to_fit(
    world: World, worker, tmp_path: Path  # noqa: ANN001
) -> None:
    limit = 6_000
    world.guild.filesize_limit = limit  # Discord tells the bot with each interaction (attachment_size_limit)
    async with world.fake.running(world.bot()):
        await world.fake.slash(world.alice, "video", {"prompt": REQUEST, **QUICK})
        posted = await world.posted_clip()

    clip = await world.studio.clip(1)
    original = Path(clip.video_path).stat().st_size
    assert original > limit  # so the post below really was re-encoded
    [video] = posted.attachments  # the storyboard would not fit next to it
    assert video.filename == "clip-1.mp4" and video.size <= limit
    info = video_of(posted, tmp_path)
    assert info.frame_count == 8 and info.size_bytes < original  # 1 s at 8 fps
    assert "image" not in posted.embeds[0] and "Clip #1" in embed_text(posted)
    assert clip.origin["upload_limit"] == limit


async def test_an_upload_discord_refuses_as_too_large_is_retried_smaller(world: World, tmp_path: Path) -> None:
    fake = world.fake
    async with fake.running(world.bot()):
        await (await fake.slash(world.alice, "video", {"prompt": REQUEST, **QUICK})).wait_message(
            lambda m: bool(m.embeds))
        # The server loses its boosts while the clip renders: the limit the bot was told is now wrong.
        world.guild.filesize_limit = 7_000
        with rendering(world.config):
            posted = await world.posted_clip()
        await world.delivered()

    sends = fake.requests_matching("POST", rf"/channels/{world.general.id}/messages$")
    assert [r.status for r in sends] == [413, 200]
    assert [f.filename for f in sends[0].files] == ["clip-1.mp4", "storyboard-1.png"]
    [video] = posted.attachments
    assert video.size <= 7_000 and video_of(posted, tmp_path).frame_count == 8
    assert (await world.studio.clip(1)).posted_message_id == posted.id
