"""A storyboard speaks its readers' language: the front-end stores the words with the clip's origin and the
worker, which knows no languages, draws them."""
from __future__ import annotations

import json

import numpy as np
from PIL import Image

from bot.origin import Origin
from generation.drawing import _lacks_letters, face_for, font
from generation.storyboard import PANELS_KEY, BoardWords, board_panels, make_storyboard


def _origin(language: str | None) -> dict:
    return Origin(guild_id=1, channel_id=2, requester_id=3, upload_limit=8_000_000, language=language).to_dict()


def test_a_japanese_members_board_says_shot_and_take_in_japanese():
    words = BoardWords.of(_origin("ja")["board_words"])
    assert words.say("shot", shot=2) == "ショット 2"
    assert words.say("shot_take", shot=1, take=3) == "ショット 1 · テイク 3"
    assert words.say("seed", seed=42) == "シード 42"
    assert BoardWords.of(_origin("zh_TW")["board_words"]).say("take", take=2) == "備選 2"
    english = BoardWords.of(_origin(None)["board_words"])
    assert (english.say("shot", shot=1), english.say("picture")) == ("Shot 1", "Picture")


def test_stored_words_that_break_their_fields_or_are_missing_stay_english():
    broken = BoardWords.of({"shot": "ショット {number}", "take": 7, "seed": "シード {seed}"})
    assert broken.say("shot", shot=4) == "Shot 4"  # lost its {shot}: English, not a KeyError in the worker
    assert broken.say("take", take=2) == "Take 2"  # not text: ignored
    assert broken.say("seed", seed=1) == "シード 1"
    assert BoardWords.of(None) == BoardWords.of("garbage") == BoardWords()


def test_japanese_headings_are_drawn_with_a_face_that_has_their_letters(tmp_path):
    heading = BoardWords.of(_origin("ja")["board_words"]).say("shot", shot=1)
    assert not _lacks_letters(heading, face_for(heading, font(14)))  # a face with kana draws it, no boxes
    frames = [np.full((48, 64, 3), (200, 60, 40), np.uint8), np.full((48, 64, 3), (40, 60, 200), np.uint8)]
    board = make_storyboard(frames, ["霧の港", "灯台"], tmp_path / "board.png",
                            headings=[heading, BoardWords.of(_origin("ja")["board_words"]).say("shot", shot=2)])
    assert [panel.getpixel((5, 5)) for panel in board_panels(board)] == [(200, 60, 40), (40, 60, 200)]
    with Image.open(board) as image:
        pixels = np.asarray(image.convert("RGB"))
        boxes = json.loads(image.info[PANELS_KEY])
    below = pixels[boxes[0][3] + 8: boxes[0][3] + 28, boxes[0][0]: boxes[0][2]]
    assert (np.abs(below.astype(int) - below[0, -1].astype(int)).sum(axis=2) > 60).sum() > 30  # the heading's ink
