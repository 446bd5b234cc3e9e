"""Chinese captions are drawn with real glyphs (never tofu boxes), with the font the install brings."""
from __future__ import annotations

import logging

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from generation import drawing
from generation.drawing import bundled_font, drawable, font, missing_glyphs, wrap
from generation.storyboard import make_storyboard

CAPTION = "一只熊猫在雪地里打滚，镜头缓缓推近"
# Traditional, Japanese kana and Korean hangul too: the collection's faces cover all of them.
OTHERS = "電影 カメラ 영화"


def glyph(char: str, line_font: drawing.Font) -> np.ndarray:
    image = Image.new("L", (64, 64))
    ImageDraw.Draw(image).text((4, 4), char, font=line_font, fill=255)
    return np.asarray(image)


def test_the_install_brings_a_cjk_font_and_images_use_it() -> None:
    found = bundled_font()
    assert found is not None, "noto-cjk-sans-otc (a dependency) is not installed"
    path, index = found
    caption_font = font(16)
    assert isinstance(caption_font, ImageFont.FreeTypeFont) and caption_font.path == path
    assert caption_font.getname()[0] == "Noto Sans CJK SC" and caption_font.index == index


def test_every_character_of_a_chinese_caption_is_in_the_fonts_character_map() -> None:
    caption_font = font(16)
    assert missing_glyphs(CAPTION + OTHERS + " A cat, 3 shots", caption_font) == ""
    # And the glyphs are real drawings, not one repeated .notdef box: distinct characters look distinct.
    shapes = {glyph(char, caption_font).tobytes() for char in "熊猫雪地滚"}
    assert len(shapes) == 5 and all(glyph(char, caption_font).any() for char in "熊猫")


def test_a_storyboard_with_chinese_captions_draws_them(tmp_path) -> None:  # noqa: ANN001
    frames = [np.full((48, 80, 3), 40, np.uint8)] * 2
    path = make_storyboard(frames, [CAPTION, "熊猫睡着了"], tmp_path / "board.png", title="熊猫的一天")
    board = np.asarray(Image.open(path).convert("L"))
    assert (board > 200).sum() > 200  # light caption and title pixels on the dark board


def test_without_a_capable_font_the_caption_is_left_out_and_logged_once(caplog) -> None:  # noqa: ANN001
    latin_only = ImageFont.load_default_imagefont()  # Pillow's bitmap font: ASCII only
    assert missing_glyphs("熊猫 panda", latin_only) == "熊猫"
    drawing._warn_uncovered.cache_clear()
    with caplog.at_level(logging.WARNING, logger="generation.drawing"):
        assert wrap("一只熊猫 a panda", latin_only, 300, 3) == []
        assert drawable("熊猫", latin_only) == ""
    assert len([r for r in caplog.records if "lacks glyphs" in r.getMessage()]) == 1
    # Symbols a font lacks (an emoji in a name) are dropped, and the words are kept.
    assert drawable("alice 🎬", font(16)) in ("alice ", "alice 🎬")
