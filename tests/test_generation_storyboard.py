import numpy as np
import pytest
from PIL import Image

from generation.drawing import font as load_font, wrap
from generation.storyboard import make_storyboard

RED, GREEN, BLUE, YELLOW = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)


def frame(rgb, height=48, width=80):
    return np.broadcast_to(np.array(rgb, np.uint8), (height, width, 3)).copy()


def centroid(board, rgb):
    ys, xs = np.nonzero(np.all(board == rgb, axis=-1))
    assert len(xs), f"no {rgb} panel"
    return xs.mean(), ys.mean()


def test_panels_in_shot_order_with_captions(tmp_path):
    path = make_storyboard(
        [frame(RED), frame(GREEN), frame(BLUE), frame(YELLOW)],
        ["A cat walks along the beach at sunset", "一只猫在日落时分走过海滩", "Close-up", "Wide shot"],
        tmp_path / "board.png",
    )
    board = np.asarray(Image.open(path).convert("RGB"))
    (rx, ry), (gx, gy), (bx, by), (yx, yy) = (centroid(board, c) for c in (RED, GREEN, BLUE, YELLOW))
    assert rx < gx < bx and ry == gy == by  # first row, left to right
    assert yy > ry and yx == rx  # fourth shot starts the second row
    # Caption text is drawn below each keyframe: light pixels under the red panel.
    bottom = np.nonzero(np.all(board == RED, axis=-1))[0].max()
    below = board[bottom + 1 : bottom + 100, : int(gx) - 100]
    assert (below.min(axis=-1) > 180).sum() > 50


def test_title_and_rows_change_the_layout(tmp_path):
    one = Image.open(make_storyboard([frame(RED)], ["x"], tmp_path / "1.png"))
    three = Image.open(make_storyboard([frame(RED)] * 3, ["x"] * 3, tmp_path / "3.png"))
    four = Image.open(make_storyboard([frame(RED)] * 4, ["x"] * 4, tmp_path / "4.png"))
    titled = Image.open(make_storyboard([frame(RED)] * 3, ["x"] * 3, tmp_path / "t.png", title="猫 — The Cat"))
    assert three.width > one.width and three.height == one.height
    assert four.width == three.width and four.height > three.height
    assert titled.width == three.width and titled.height > three.height


def test_keyframes_of_any_size_and_type(tmp_path):
    path = make_storyboard(
        [frame(RED, 480, 832), Image.fromarray(frame(BLUE, 64, 64)), frame(GREEN, 832, 480)],
        ["wide", "square", "tall"],
        tmp_path / "mixed.png",
    )
    board = np.asarray(Image.open(path).convert("RGB"))
    for color in (RED, BLUE, GREEN):
        centroid(board, color)


def test_one_caption_per_keyframe_required(tmp_path):
    with pytest.raises(ValueError):
        make_storyboard([frame(RED)], ["a", "b"], tmp_path / "x.png")


def test_wrap_breaks_words_and_unspaced_text_and_ellipsizes():
    font = load_font(16)
    lines = wrap("the quick brown fox jumps over the lazy dog " * 3, font, 120, 50)
    assert len(lines) > 3 and all(font.getlength(line) <= 120 for line in lines)
    assert " ".join(lines).split() == ("the quick brown fox jumps over the lazy dog " * 3).split()
    chinese = wrap("一只猫在日落时分慢慢走过海滩" * 3, font, 100, 10)
    assert len(chinese) > 1 and "".join(chinese) == "一只猫在日落时分慢慢走过海滩" * 3
    short = wrap("word " * 200, font, 100, 2)
    assert len(short) == 2 and short[-1].endswith("…") and font.getlength(short[-1]) <= 100
