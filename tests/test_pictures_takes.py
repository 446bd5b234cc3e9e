"""Picture to video, takes and HD finalize through the Studio, rendered on the tiny models."""
from __future__ import annotations

import dataclasses
import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from generation.encoding import read_frame
from storage.settings import set_setting
from studio.pictures import MAX_PICTURE_PIXELS, PictureError, read_picture, read_picture_file
from studio.remix import RemixError, recipe_card
from common.text import Text
from studio.requests import ClipPlan, VideoOptions
from studio.service import Studio
from studio.shots import take_seeds
from studio.storyboards.refine import REFINE_STRENGTH
from studio.takes import finalize, is_draft, pick
from test_remix_studio import ALICE, BOB, GUILD, Renderer

REQUEST = "a paper boat sails down a rainy street"


@pytest.fixture
async def studio(studio):
    for key, value in (("max_queued_per_user", 50), ("max_queued_per_guild", 500)):
        await studio.adb.write(set_setting, GUILD, key, value)
    return studio


@pytest.fixture
def renderer(studio, pipelines, monkeypatch):
    renderer = Renderer(studio, pipelines, monkeypatch)
    yield renderer
    renderer.db.close()


def png(width: int, height: int, color=(200, 40, 40), fmt: str = "PNG", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def bomb_png(width: int, height: int) -> bytes:
    """A valid PNG header claiming width x height, with (almost) no pixel data: a decompression bomb."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "picture_empty"),
        (b"GIF89a\x01\x00\x01\x00" + b"\x00" * 30, "picture_type"),
        (b"%PDF-1.4 not a picture", "picture_type"),
        (png(64, 64, fmt="GIF"), "picture_type"),
        (bomb_png(8000, 6000), "picture_too_many_pixels"),
        (bomb_png(20000, 20000), "picture_too_many_pixels"),
        # The round's probe: a 1x40,000,000 strip cost +780 MB while decoding; and past the presets' use.
        (bomb_png(1, 40_000_000), "picture_too_many_pixels"),
        (bomb_png(8193, 1), "picture_too_many_pixels"),
        (bomb_png(4097, 4097), "picture_too_many_pixels"),
        (png(300, 200, fmt="JPEG")[:400], "picture_broken"),
        (png(300, 200)[:-40], "picture_broken"),
    ],
    ids=["zero-bytes", "gif-header", "pdf", "gif", "48-megapixels", "400-megapixels", "1x40M-strip", "8193-wide",
         "16.8M-and-a-bit", "truncated-jpeg",
         "truncated-png"],
)
def test_bad_pictures_are_refused_with_a_code(tmp_path, data, code):
    with pytest.raises(PictureError) as info:
        read_picture(data, tmp_path)
    assert info.value.code == code and info.value.user_message
    assert not list((tmp_path / "pictures").glob("*.png")) if (tmp_path / "pictures").exists() else True


@pytest.mark.parametrize("typed", ["clip\x00.png", "~no-such-user-here/boat.png", "missing.png", "."],
                         ids=["nul-byte", "unknown-user", "missing", "a-folder"])
def test_a_typed_path_the_os_refuses_is_a_missing_picture(tmp_path, monkeypatch, typed):
    """Found by benchmarks/fuzz.py: `/image a<NUL>b` escaped as ValueError (and `~nobody/x` as
    RuntimeError); every path the OS can't open is the same refusal."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PictureError) as info:
        read_picture_file(Path(typed), tmp_path)
    assert info.value.code == "picture_missing" and info.value.user_message


def test_a_picture_is_stored_upright_and_by_content(tmp_path):
    # A JPEG stored sideways with EXIF orientation 6 (rotate 90° clockwise to view): 40x20 on disk.
    image = Image.new("RGB", (40, 20), (10, 200, 10))
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    picture = read_picture(buffer.getvalue(), tmp_path)
    assert (picture.width, picture.height, picture.source_format) == (20, 40, "jpeg")
    assert read_picture(buffer.getvalue(), tmp_path).path == picture.path  # same bytes, same file
    animated = io.BytesIO()
    frames = [Image.new("RGB", (32, 32), c) for c in ((255, 0, 0), (0, 0, 255))]
    frames[0].save(animated, format="WEBP", save_all=True, append_images=frames[1:])
    first = read_picture(animated.getvalue(), tmp_path)
    assert Image.open(first.path).getpixel((16, 16))[0] > 200  # the first (red) frame
    assert MAX_PICTURE_PIXELS == Image.MAX_IMAGE_PIXELS


@pytest.mark.parametrize("size", [(4032, 3024), (4096, 4096), (8192, 2048)], ids=["phone-12MP", "cap", "panorama"])
def test_pictures_the_presets_can_use_pass_the_size_gate(tmp_path, size):
    """12 MP, every phone's default still, and the cap pass the gate (these headers carry no pixels, so
    they fail later, at decoding: what is checked is only that the size was accepted)."""
    with pytest.raises(PictureError) as info:
        read_picture(bomb_png(*size), tmp_path)
    assert info.value.code == "picture_broken"


async def test_a_picture_starts_the_first_shot_and_later_shots_continue(studio, renderer, tmp_path):
    picture = read_picture(png(128, 64, (230, 30, 30)), studio.config.media_dir)
    options = VideoOptions(shots=2, duration=2, draft=True, image=str(picture.path))
    accepted = await studio.create(ALICE, REQUEST, options)
    assert accepted.clip.model == "tiny-wan"
    assert accepted.notes and "cropped to 64x64" in accepted.notes[0].english()
    first, second = Studio.recipes(accepted.clip)
    assert first.init_image and first.init_image.startswith(str(studio.config.media_dir / "pictures"))
    assert Image.open(first.init_image).size == (64, 64)
    assert second.init_image is None and second.continues_from == first.content_hash()
    # The picture is part of the recipe: another picture is another recipe.
    other = read_picture(png(64, 64, (30, 30, 230)), studio.config.media_dir)
    blue = await studio.create(ALICE, REQUEST, VideoOptions(shots=2, duration=2, draft=True, seed=first.seed,
                                                            image=str(other.path)))  # fmt: skip
    assert Studio.recipes(blue.clip)[0].content_hash() != first.content_hash()
    card = "\n".join(line.english() for line in await recipe_card(studio, ALICE, accepted.clip.id))
    assert "starts from picture" in card and "continues from shot 1" in card

    output = renderer.run()
    assert output.rendered == 2 and [shot.i2v for shot in renderer.shots] == [True, True]
    # Shot 2 rendered from the very last frame of shot 1.
    last = read_frame(output.shot_paths[0], -1)
    assert np.array_equal(np.asarray(Image.open(renderer.shots[1].init_image)), last)
    board = Image.open(output.storyboard_path)
    assert board.width > 2 * 320  # picture + 2 shots in one row


async def test_a_model_that_cannot_take_a_picture_says_which_can(studio, tmp_path):
    picture = read_picture(png(64, 64), studio.config.media_dir)
    with pytest.raises(PictureError) as info:
        await studio.create(ALICE, REQUEST, VideoOptions(model="tiny-cogvideox", image=str(picture.path)))
    assert info.value.code == "model_no_i2v"
    assert "ltx-video" in info.value.user_message and "wan2.2-ti2v-5b" in info.value.user_message
    await studio.adb.write(set_setting, GUILD, "default_model", "tiny-cogvideox")
    auto = await studio.create(ALICE, REQUEST, VideoOptions(shots=1, image=str(picture.path)))
    assert auto.clip.model == "tiny-wan"  # the default can't, so an image-to-video preset is chosen


async def test_a_clip_of_video_takes_made_before_takes_were_stills_can_still_be_picked(studio, renderer):
    """Takes are stills now (test_stills_flow); clips of takes posted earlier keep working Pick buttons."""
    single = await studio.create(ALICE, REQUEST, VideoOptions(shots=2, duration=2, draft=True, seed=5))
    await studio.cancel(ALICE, single.job.id)
    first = Studio.recipes(single.clip)[0]
    seeds = take_seeds(5, 3)
    plan = ClipPlan(shot_list=single.shot_list, model=first.model, seeds=seeds, aspect=None, steps=first.steps,
                    priority=0, remix_kind="takes", recipes=tuple(dataclasses.replace(first, seed=s) for s in seeds),
                    captions=tuple(f"seed {s}" for s in seeds))  # fmt: skip
    takes = (await studio.queue_plan(single.request_id, ALICE, REQUEST, plan, await studio.settings(GUILD), None)).clip
    recipes = Studio.recipes(takes)
    assert renderer.run().rendered == 3
    with pytest.raises(RemixError) as info:
        await pick(studio, BOB, takes.id, 2)
    assert info.value.code == "not_your_takes"
    with pytest.raises(RemixError) as info:
        await pick(studio, ALICE, takes.id, 4)
    assert info.value.code == "no_such_take"
    picked = await pick(studio, ALICE, takes.id, 2)
    clip = picked.clip
    assert (clip.parent_id, clip.remix_kind) == (takes.id, "pick")
    assert Studio.recipes(clip)[0] == recipes[1] and picked.reused == 1 and len(Studio.recipes(clip)) == 2
    full = renderer.run()
    assert (full.rendered, full.reused) == (1, 1)
    with pytest.raises(RemixError) as info:
        await finalize(studio, ALICE, takes.id)
    assert info.value.code == "pick_a_take"


async def test_finalize_rerenders_a_draft_in_full_and_reuses_final_shots(studio, renderer):
    draft = (await studio.create(ALICE, REQUEST, VideoOptions(shots=1, draft=True))).clip
    assert is_draft(draft)
    renderer.run()
    final = await finalize(studio, BOB, draft.id)
    clip = final.clip
    assert (clip.parent_id, clip.remix_kind, clip.author_name) == (draft.id, "finalize", "bob")
    old, new = Studio.recipes(draft), Studio.recipes(clip)
    assert [r.seed for r in new] == [r.seed for r in old] and [r.prompt for r in new] == [r.prompt for r in old]
    assert all(r.steps == 3 for r in new) and final.job.priority == 1 and not is_draft(clip)
    # Refined from the draft's own video (tiny-wan has a video-to-video pipeline), not re-rolled.
    assert all(r.init_video is not None and r.strength == REFINE_STRENGTH for r in new)
    assert "refined from the draft in 1 of 3 steps" in Text.loads(clip.remix_note).english()
    out = renderer.run()
    assert (out.rendered, out.reused) == (1, 0)
    with pytest.raises(RemixError) as info:
        await finalize(studio, ALICE, clip.id)
    assert info.value.code == "already_final"
    # Finalizing again: the shots already final come from the cache.
    again = await finalize(studio, ALICE, draft.id)
    assert again.reused == 1
    # On another preset, every shot is new.
    other = await finalize(studio, ALICE, draft.id, model="tiny-ltx")
    assert [r.model for r in Studio.recipes(other.clip)] == ["tiny-ltx"] and other.reused == 0


async def test_the_console_takes_a_picture_takes_and_finalize(studio, tmp_path):
    from bot.console import ConsoleSession, console_member

    session = ConsoleSession(studio, console_member("carol"), io.StringIO())
    await studio.adb.write(set_setting, 0, "max_queued_per_user", 10)
    (tmp_path / "boat.webp").write_bytes(png(64, 64, fmt="WEBP"))
    (tmp_path / "notes.txt").write_text("not a picture")
    assert "PNG, JPEG or WebP" in await session.handle(f"/image {tmp_path / 'notes.txt'}")
    assert "Can't read the picture" in await session.handle(f"/image {tmp_path / 'missing.png'}")
    assert "64x64" in await session.handle(f"/image {tmp_path / 'boat.webp'}")
    reply = await session.handle("a paper boat sails away")
    assert reply.startswith("clip #1") and "cropped" not in reply  # same shape: nothing cut off
    assert Studio.recipes(await studio.clip(1))[0].init_image.endswith("-64x64.png")
    assert session.picture is None  # one picture, one request
    assert (await session.handle("/takes 2 a paper boat")).startswith("clip #2")
    assert (await studio.clip(2)).remix_kind is None  # takes are stills of every shot, on one storyboard
    assert "clip #2" in await session.handle("/pick 2 2")
    assert "error:" in await session.handle("/pick 2 5")
    assert "already final" in await session.handle("/finalize 1")
    for task in list(session.watchers):
        task.cancel()
