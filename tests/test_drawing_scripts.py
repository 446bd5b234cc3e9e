"""Names and titles in any script: images draw every script a font here covers and fall back, never crash.

Found by the round's probes: `/lineage` crashed ("something went wrong") when an author's name in the tree
could not be drawn with the CJK face, because the wrapper gave no lines and the tree took line 0.
"""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from generation.drawing import face_for, fit, font, missing_glyphs, wrap
from generation.storyboard import make_storyboard
from studio.leaderboard import Row, render_leaderboard
from studio.lineage import BOX_HEIGHT, BOX_WIDTH, MARGIN, LineageNode, LineageTree, lineage_image, lineage_text
from common.text import Text

# Names the probes used, one per script; the CJK face draws none of them whole.
DRAWN_BY_SOME_FONT = {
    "greek": "Ελένη Παπαδοπούλου",
    "polish": "Łukasz Żółć",
    "hebrew": "דוד לוי",
    "arabic": "محمد الأحمد",
}
# Scripts no font on a plain machine covers: the image leaves the name out (the text tree names it).
DRAWN_BY_NO_FONT = {"thai": "สมชาย ใจดี", "devanagari": "देवनागरी नाम"}
ALL = {**DRAWN_BY_SOME_FONT, **DRAWN_BY_NO_FONT}


def node(clip_id: int, name: str, *children: LineageNode) -> LineageNode:
    return LineageNode(clip_id, clip_id, name, f"{name}'s film", None if clip_id == 1 else "remix",
                       None if clip_id == 1 else Text.raw(f"made by {name}"), False, children, guild_id=1)


def bright_columns(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    """How many pixel columns of `box` hold text (light pixels on the dark boxes)."""
    pixels = np.asarray(image.convert("L").crop(box))
    return int((pixels > 180).any(axis=0).sum())


def test_a_lineage_tree_of_names_in_every_script_draws_without_crashing(tmp_path) -> None:
    names = list(ALL.values())
    children = tuple(node(index + 2, name) for index, name in enumerate(names))
    tree = LineageTree(node(1, "alice", *children), focus_id=2)
    path = lineage_image(tree, tmp_path / "tree.png")
    text = lineage_text(tree)
    with Image.open(path) as image:
        for index, name in enumerate(names):
            assert name in text  # the message always names everyone
            left, top = MARGIN + BOX_WIDTH + 48, MARGIN + index * (BOX_HEIGHT + 14)
            heading = bright_columns(image, (left + 10, top + 8, left + BOX_WIDTH - 10, top + 26))
            only_number = bright_columns(image, (left + 10, top + 8, left + 10 + 40, top + 26))
            if name in DRAWN_BY_SOME_FONT.values():
                assert heading > only_number + 15, f"{name!r} was not drawn"
            else:
                assert 0 < heading <= only_number + 2, f"{name!r}: expected only the clip number"


@pytest.mark.parametrize("name", list(ALL.values()), ids=list(ALL))
def test_fit_and_wrap_never_give_boxes_and_face_for_finds_a_font(name: str) -> None:
    base = font(16)
    face = face_for(name, base)
    if name in DRAWN_BY_SOME_FONT.values():
        assert missing_glyphs(name, face) == "" and fit(name, face, 400) == name
        assert wrap(name, face, 60, 3)  # lines, broken between characters if need be
    else:
        assert face is base and fit(name, face, 400) == "" and wrap(name, face, 400, 2) == []


def test_storyboards_and_leaderboards_draw_names_in_other_scripts(tmp_path) -> None:
    frames = [np.full((48, 80, 3), 40, np.uint8)]
    board = make_storyboard(frames, [DRAWN_BY_SOME_FONT["greek"]], tmp_path / "b.png",
                            title=DRAWN_BY_SOME_FONT["hebrew"], subtitle=DRAWN_BY_NO_FONT["thai"])
    with Image.open(board) as image:
        assert bright_columns(image, (16, 16, image.width - 16, 40)) > 30  # the Hebrew title
    rows = [Row(rank=1, title=name, author=name, votes=1)
            for name in ALL.values()]
    render_leaderboard(Text.raw("Πρωτάθλημα"), Text.raw("ok"), rows, tmp_path / "l.png")
