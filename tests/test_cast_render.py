"""Rendering that holds the likeness: a featured shot's recipe carries its characters' pictures by content
hash, only a preset whose pipeline takes reference pictures gets them, and the pixels reach the pipeline
call, for the shot's still (what the member approves) and its video (benchmarks/cast.py --quick, on tiny-wan-vace,
through the worker's own path)."""
from __future__ import annotations

import dataclasses
import inspect
import re
import shutil
import subprocess
import sys
from pathlib import Path

import diffusers
import pytest

from cast_fixtures import portrait
from common.files import store_by_content
from generation.errors import RecipeError
from generation.recipe import ShotRender, picture_digest
from generation.registry import PRESETS, validate_recipe
from renderqueue.dispatcher import _task

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_a_preset_takes_references_exactly_when_its_pipeline_takes_reference_images(name: str) -> None:
    preset = PRESETS[name]
    classes = {preset.pipeline_class, preset.i2v_pipeline_class} - {None}
    takes = any("reference_images" in inspect.signature(getattr(diffusers, c).__call__).parameters for c in classes)
    assert preset.references == takes


def test_references_hash_by_content_survive_deletion_and_ride_along_to_a_gpu_host(tmp_path: Path, monkeypatch) -> None:
    red = store_by_content(portrait((200, 40, 40)), tmp_path / "pictures")
    blue = store_by_content(portrait((40, 40, 200)), tmp_path / "pictures")
    recipe = ShotRender("tiny-wan", "Mira waves", "", 1, 64, 64, 5, 8, 2, 5.0, references=(str(red), str(blue)))
    plain = dataclasses.replace(recipe, references=())
    # A recipe without references hashes as it did before the field existed (main's code gave this hash).
    assert plain.content_hash() == "28f545bfc72631b8cf8208c7e2fac65f"
    assert recipe.content_hash() != plain.content_hash()
    assert recipe.content_hash() != dataclasses.replace(recipe, references=(str(blue), str(red))).content_hash()
    # Stored and read back (JSON lists), it is the same recipe.
    assert ShotRender.from_dict({**recipe.to_dict(), "references": [str(red), str(blue)]}) == recipe
    # On a GPU host the pictures arrive as bytes under their digests; the recipe hashes the same there.
    task = _task([recipe], 0, {}, cache=None)  # type: ignore[arg-type]
    assert [digest for digest, _data in task.references] == [picture_digest(str(red)), picture_digest(str(blue))]
    scratch = tmp_path / "gpu-host"
    scratch.mkdir()
    moved = []
    for digest, data in task.references:
        (scratch / f"{digest}.png").write_bytes(data)
        moved.append(str(scratch / f"{digest}.png"))
    assert dataclasses.replace(recipe, references=tuple(moved)).content_hash() == recipe.content_hash()
    # Deleted pictures (a character deleted, an owner forgotten) still let the recipe hash, for its credit
    # and its cache entry; rendering it is refused.
    before = recipe.content_hash()
    shutil.rmtree(tmp_path / "pictures")
    assert recipe.content_hash() == before
    monkeypatch.setitem(PRESETS, "tiny-wan", dataclasses.replace(PRESETS["tiny-wan"], references=True))
    with pytest.raises(RecipeError, match="reference picture for this shot is missing"):
        validate_recipe(recipe)


def test_a_preset_that_cannot_take_references_refuses_a_recipe_with_them(tmp_path: Path) -> None:
    picture = store_by_content(portrait((1, 2, 3)), tmp_path)
    recipe = ShotRender("tiny-wan", "Mira waves", "", 1, 64, 64, 5, 8, 2, 5.0, references=(str(picture),))
    with pytest.raises(RecipeError, match="tiny-wan can't take reference pictures"):
        validate_recipe(recipe)


def test_the_reference_pixels_reach_the_pipeline_call_for_every_featured_shot() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "cast.py"), "--quick"], capture_output=True,
                            text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "cast_reference_share=1.00"
    shots = [line for line in lines if line.startswith("clip #")]
    assert shots == [
        "clip #1 shot 1: Mira; 2 picture(s) reached the pipeline",
        "clip #1 shot 2: Mira; 2 picture(s) reached the pipeline",
        "clip #2 shot 1: Mira, Leo; 3 picture(s) reached the pipeline",
        "clip #2 shot 2: Leo; 1 picture(s) reached the pipeline",
    ]
    assert any(re.match(r"conditioning on the pictures: \+-?\d+\.\d+ s per shot", line) for line in lines)


def test_a_featured_shots_still_is_rendered_from_its_characters_pictures(tmp_path: Path, pipelines, monkeypatch) -> None:
    import numpy as np
    from PIL import Image

    from generation import render
    from generation.still_recipes import still_recipe
    from generation.stills import render_still

    pictures = [store_by_content(portrait(colour), tmp_path) for colour in ((200, 40, 40), (40, 40, 200))]
    shot = dataclasses.replace(PRESETS["tiny-wan-vace"].recipe("Mira waves at the harbour", "", seed=5),
                               references=tuple(map(str, pictures)))
    still = still_recipe(shot)
    assert still.references == shot.references  # the approved still holds the likeness the video starts from
    seen: list[list[np.ndarray]] = []
    real = render._run

    def recording(pipe, kwargs, *how):  # noqa: ANN001, ANN202
        seen.append([np.asarray(image.convert("RGB")) for image in kwargs.get("reference_images") or []])
        return real(pipe, kwargs, *how)

    monkeypatch.setattr(render, "_run", recording)
    frames = render_still(still, pipelines)
    assert frames.to_bytes().shape[0] == 1 and len(seen) == 1
    wanted = [np.asarray(Image.open(path).convert("RGB")) for path in pictures]
    assert len(seen[0]) == 2 and all(np.array_equal(a, b) for a, b in zip(seen[0], wanted))
