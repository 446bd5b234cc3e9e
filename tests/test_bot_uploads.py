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
        world.guild.filesize_limit = 12_000
        with rendering(world.config):
            posted = await world.posted_clip()
        await world.delivered()

    sends = fake.requests_matching("POST", rf"/channels/{world.general.id}/messages$")
    assert [r.status for r in sends] == [413, 200]
    assert [f.filename for f in sends[0].files] == ["clip-1.mp4", "storyboard-1.png"]
    [video] = posted.attachments
    assert video.size <= 12_000 and video_of(posted, tmp_path).frame_count == 8
    assert (await world.studio.clip(1)).posted_message_id == posted.id


def test_takes_go_up_as_their_own_videos_beside_the_contact_sheet_or_stay_out_with_a_note(tmp_path: Path) -> None:
    from types import SimpleNamespace

    import numpy as np
    from PIL import Image

    from bot.uploads import prepare_upload
    from generation.encoding import encode_mp4

    noise = np.random.default_rng(0).integers(0, 255, (5, 64, 64, 3), dtype=np.uint8)
    takes = [encode_mp4(noise, 8, tmp_path / f"take-{n}.mp4") for n in (1, 2)]
    board = tmp_path / "storyboard.png"
    Image.new("RGB", (32, 32)).save(board)
    clip = SimpleNamespace(id=7, storyboard_path=str(board), video_path=str(tmp_path / "clip.mp4"))
    out = tmp_path / "uploads"
    out.mkdir()
    sizes = sum(take.stat().st_size for take in takes) + board.stat().st_size

    roomy = prepare_upload(clip, sizes, out, takes=list(takes))
    assert (roomy.takes, roomy.storyboard, roomy.video, roomy.note) == (((1, takes[0]), (2, takes[1])), board, None, "")
    # Takes of unequal sizes that fit together go up untouched, though the larger is over an even share.
    longer = encode_mp4(np.concatenate([noise, noise]), 8, tmp_path / "take-long.mp4")
    uneven = [longer, takes[1]]
    assert longer.stat().st_size > takes[1].stat().st_size
    together = sum(take.stat().st_size for take in uneven) + board.stat().st_size
    assert prepare_upload(clip, together, out, takes=list(uneven)).takes == ((1, longer), (2, takes[1]))
    assert [f.filename for f in roomy.files(clip)] == ["clip-7-take-1.mp4", "clip-7-take-2.mp4", "storyboard-7.png"]

    # No mp4 fits in 300 bytes, and a take no longer cached can't go up at all.
    tight = prepare_upload(clip, board.stat().st_size + 600, out, takes=[takes[0], None])
    assert (tight.takes, tight.storyboard) == ((), board)
    assert tight.note.startswith("Takes 1, 2 couldn't be attached within this server's upload limit")
