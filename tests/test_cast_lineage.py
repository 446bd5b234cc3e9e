"""A clip family's lineage credits each clip's cast to its owners: in the text tree and in the image (a line
in each box, drawn in any script the fonts cover)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import Image

from cast_fixtures import ALICE, BOB, CAROL, LEO, mira, pictures, roomy
from studio.cast.desk import CastDesk
from studio.lineage import CAST, lineage, lineage_image, lineage_text
from studio.remix import RemixChange, remix
from studio.requests import VideoOptions

TWO = VideoOptions(shots=2, duration=2, draft=True)


@pytest.fixture
async def studio(studio):
    await roomy(studio)
    return studio


def cast_pixels(path) -> int:  # noqa: ANN001
    """Pixels of the image in the cast line's colour (anti-aliased edges within a small distance)."""
    pixels = np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)
    return int((np.abs(pixels - np.array(CAST)).sum(axis=2) < 40).sum())


async def test_the_lineage_credits_the_cast_in_text_and_image(studio, tmp_path):
    await mira(studio, owner=BOB)
    await CastDesk(studio).create(CAROL, "小狮", LEO, pictures(studio, (90, 90, 90)), aliases=("Leo",))
    original = await studio.create(ALICE, "Mira and Leo at the beach, then Leo swims", TWO)
    child = await remix(studio, dataclasses.replace(BOB, name="bob"), original.clip.id, RemixChange("reroll", shot=2))
    plain = await studio.create(ALICE, "a dog on the beach", TWO)

    tree = await lineage(studio, ALICE, child.clip.id)
    assert lineage_text(tree).splitlines() == [
        f"#{original.clip.id} alice — original: Mira and Leo at the Beach · Cast: Mira by bob, 小狮 by carol",
        f"└─ #{child.clip.id} bob — re-rolled shot 2 · Cast: Mira by bob, 小狮 by carol  ◀ this clip",
    ]
    with_cast = lineage_image(tree, tmp_path / "cast.png")
    without = lineage_image(await lineage(studio, ALICE, plain.clip.id), tmp_path / "plain.png")
    # Each box has its cast line: the image is a line taller per box, and the line is drawn (not blank).
    assert Image.open(with_cast).height > Image.open(without).height
    assert cast_pixels(with_cast) > 200 and cast_pixels(without) == 0
