"""A remix's storyboard: a shot the remix left exactly alone keeps its parent's still (and render); a shot it
changed in any way (text, style, camera, seed) or added gets a new still rendered from its new recipe, and
Animate starts it from that new still. Remixes used to carry the parent's approved still into changed shots
as their starting picture: the noir remix's storyboard was the colour one, byte for byte."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from stills_fixtures import ALICE, BOB, REQUEST

from generation.recipe import ShotRender
from studio.remix import parse_change, recipe_card, remix
from studio.requests import VideoOptions
from studio.service import Studio
from studio.storyboards.actions import animate, reroll_still, storyboard

THREE = VideoOptions(shots=3, duration=3, seed=11)


def _pixels(path) -> np.ndarray:
    with Image.open(path) as picture:
        return np.asarray(picture.convert("RGB"), dtype=np.float32)


def _apart(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean())


async def _animated_parent(studio, worker) -> tuple[int, list[np.ndarray]]:
    clip_id = (await studio.create(ALICE, REQUEST, THREE)).clip.id
    worker.run()
    await animate(studio, ALICE, clip_id)
    worker.run()
    view = await storyboard(studio, ALICE, clip_id)
    return clip_id, [_pixels(still.path) for still in view.picked()]


# The change, and how many of the remix's shots it leaves exactly as they were.
CHANGES = [("shot 2: the keeper waves a lantern", 2), ("make it noir", 0), ("camera 3: slow crane up", 2),
           ("reroll 2", 2), ("swap 1 and 3", 3), ("add: the keeper falls asleep", 3), ("remove shot 2", 2),
           ("extend", 3), ("at dawn", None)]  # fmt: skip


@pytest.mark.parametrize(("text", "kept"), CHANGES)
async def test_a_remix_renders_new_stills_for_the_shots_it_changed(stills_studio, stills_worker, text, kept):
    studio = stills_studio
    parent_id, parent_stills = await _animated_parent(studio, stills_worker)
    parent_recipes = Studio.recipes(await studio.clip(parent_id))
    accepted = await remix(studio, BOB, parent_id, parse_change(text))
    stills_worker.run()
    view = await storyboard(studio, BOB, accepted.clip.id)
    recipes = Studio.recipes(view.clip)
    carried = [parent_recipes.index(r) if r in parent_recipes else None for r in recipes]
    assert kept is None or sum(c is not None for c in carried) == kept, carried
    card = "\n".join(line.english() for line in await recipe_card(studio, BOB, accepted.clip.id))
    for shot, (still, source) in enumerate(zip(view.picked(), carried, strict=True)):
        pixels = _pixels(still.path)
        if source is not None:  # left alone: the parent's still, as it was
            assert _apart(pixels, parent_stills[source]) == 0, shot
        else:  # changed or new: its own still, like none of the parent's
            assert min(_apart(pixels, old) for old in parent_stills) > 3, shot
            recipe = ShotRender.from_dict(still.recipe)
            assert not recipe.from_still and (recipe.init_image is None) == (text != "extend"), shot
    assert card.count("starts from its approved still") == sum(c is not None for c in carried)


async def test_animate_starts_a_changed_shot_from_its_new_still(stills_studio, stills_worker):
    studio = stills_studio
    parent_id, parent_stills = await _animated_parent(studio, stills_worker)
    accepted = await remix(studio, BOB, parent_id, parse_change("shot 2: the keeper waves a lantern"))
    stills_worker.run()
    picked = (await storyboard(studio, BOB, accepted.clip.id)).picked()
    old = (await storyboard(studio, ALICE, parent_id)).picked()
    await animate(studio, BOB, accepted.clip.id)
    output = stills_worker.run()
    assert (output.rendered, output.reused) == (1, 2)  # only the changed shot renders
    # The member's recipe card: shot 2 opens on its new still, the others on the parent's.
    card = "\n".join(line.english() for line in await recipe_card(studio, BOB, accepted.clip.id))
    starts = [line.split()[-1] for line in card.splitlines() if "starts from" in line]
    assert starts == [Path(still.path).stem[:16] for still in (old[0], picked[1], old[2])]
    assert "starts from its approved still " + Path(old[1].path).stem[:16] not in card

    # In the remix's own storyboard, re-rolling a shot it carried gives that shot a new still too.
    again = await remix(studio, BOB, parent_id, parse_change("shot 3: the keeper sleeps"))
    stills_worker.run()
    view = await reroll_still(studio, BOB, again.clip.id, 1)
    stills_worker.run()
    view = await storyboard(studio, BOB, again.clip.id)
    assert _apart(_pixels(view.picked()[0].path), parent_stills[0]) > 3
