"""Vary (subtle): the same shots with new detail, through the Studio and the worker's own code."""
from __future__ import annotations

import numpy as np
from PIL import Image
from refusals import refused
from test_refine import _spy
from test_remix_studio import ALICE, BOB, REQUEST, original, recipes, renderer, studio

from generation.encoding import read_frame, read_video
from storage.renders import cached_paths
from studio.remix import RemixError, credit
from studio.requests import VideoOptions
from studio.variations import VARY_STRENGTH, vary

__all__ = ["renderer", "studio"]


async def test_a_subtle_variation_redraws_each_shot_from_its_own_video_with_new_seeds(studio, renderer, pipelines):
    parent = await original(studio)
    renderer.run()
    videos = await studio.adb.read(cached_paths, [r.content_hash() for r in recipes(parent)])

    accepted = await vary(studio, BOB, parent.id)
    child = accepted.clip
    assert (child.parent_id, child.remix_kind, accepted.job.kind) == (parent.id, "vary", "clip")  # no stills first
    assert (await credit(studio, child)).english() == "variation of alice's clip #1"
    for old, new in zip(recipes(parent), recipes(child), strict=True):
        assert new.init_video == str(videos[old.content_hash()]) and new.strength == VARY_STRENGTH
        assert new.seed != old.seed and (new.prompt, new.num_frames, new.width) == (old.prompt, old.num_frames, old.width)

    seen: dict = {}
    undo = _spy(pipelines.get("tiny", v2v=True), seen)
    try:
        output = renderer.run()
    finally:
        undo()
    assert output.rendered == 3 and len(seen["WanVideoToVideoPipeline"]) == 3
    # Each shot's pass starts from that shot's own frames, not from noise nor from another shot.
    for call, old in zip(seen["WanVideoToVideoPipeline"], recipes(parent), strict=True):
        given = np.stack([np.asarray(frame) for frame in call["kwargs"]["video"]]).astype(int)
        decoded = read_video(videos[old.content_hash()]).to_bytes().astype(int)
        # (the pass takes the preset's frame grid: a shot trimmed to its planned length is padded back)
        assert given.shape[1:] == decoded.shape[1:] and len(given) >= len(decoded)
        assert np.abs(given[: len(decoded)] - decoded).mean() < 2


async def test_a_preset_without_video_to_video_reanimates_each_shot_from_its_first_frame(studio, renderer):
    parent = await original(studio, options=VideoOptions(shots=2, duration=2, draft=True, model="tiny-ltx"))
    renderer.run()
    videos = await studio.adb.read(cached_paths, [r.content_hash() for r in recipes(parent)])
    child = (await vary(studio, ALICE, parent.id)).clip
    assert "re-animated from each shot's first frame" in (child.remix_note or "")
    for old, new in zip(recipes(parent), recipes(child), strict=True):
        assert new.init_video is None and new.seed != old.seed
        with Image.open(new.init_image) as first:
            assert np.array_equal(np.asarray(first.convert("RGB")), read_frame(videos[old.content_hash()], 0))


async def test_a_clip_not_rendered_or_no_longer_kept_is_refused_in_words(studio, renderer):
    queued = await original(studio)
    with refused("nothing_rendered", RemixError) as info:
        await vary(studio, BOB, queued.id)
    assert "isn't rendered yet" in info.value.user_message
    renderer.run()
    for recipe in recipes(queued):
        (await studio.adb.read(cached_paths, [recipe.content_hash()]))[recipe.content_hash()].unlink()
    with refused("cannot_vary", RemixError) as info:
        await vary(studio, BOB, queued.id)
    assert "Re-roll it instead" in info.value.user_message and REQUEST not in info.value.user_message
