"""A storyboard speaks its readers' language: the front-end stores the words with the clip's origin and the
worker, which knows no languages, draws them."""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from bot.cli import main
from bot.console import ConsoleSession, console_member
from bot.i18n import use
from bot.origin import Origin
from generation.drawing import BACKGROUND, MUTED, _lacks_letters, face_for, font, line_height
from generation.storyboard import FONT_SIZE, PANEL_WIDTH, PANELS_KEY, BoardWords, board_panels, make_storyboard


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


def _heading_strip(board, index: int, height: int) -> np.ndarray:
    """The pixels of panel `index`'s heading line, as `make_storyboard` lays it out below the panel."""
    with Image.open(board) as image:
        left, _top, _right, bottom = json.loads(image.info[PANELS_KEY])[index]
        return np.asarray(image.convert("RGB"))[bottom + 8: bottom + 8 + height, left: left + PANEL_WIDTH]


def _drawn(heading: str, height: int) -> np.ndarray:
    strip = Image.new("RGB", (PANEL_WIDTH, height), BACKGROUND)
    ImageDraw.Draw(strip).text((0, 0), heading, font=face_for(heading, font(FONT_SIZE + 2)), fill=MUTED)
    return np.asarray(strip)


def test_generate_stills_in_japanese_heads_each_panel_in_japanese(tmp_path, tiny_models_dir, capsys):
    """`reelbot generate --stills --lang ja` stores the board's words with the clip; the worker draws them."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "models").symlink_to(tiny_models_dir, target_is_directory=True)
    code = main(["generate", "a red fox trots across a frozen lake at dusk", "--model", "tiny", "--home", str(home),
                 "--shots", "2", "--stills", "--lang", "ja", "--config", str(tmp_path / "none.toml")])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    board = Path(out.split()[0])
    height = line_height(font(FONT_SIZE + 2))
    for index in (0, 1):
        strip = _heading_strip(board, index, height)
        assert np.array_equal(strip, _drawn(f"ショット {index + 1}", height)), f"panel {index + 1}'s heading"
        assert not np.array_equal(strip, _drawn(f"Shot {index + 1}", height))


async def test_every_console_request_stores_the_boards_words_of_its_language(studio):
    """The console's clips (requests, remixes, picks, finalizes, variations, relay turns) all carry the
    session's words; tests/test_every_command.py checks every clip its commands made."""
    session = ConsoleSession(studio, console_member("ken"), io.StringIO())
    with use("ja"):
        await session.handle("a fox in the snow, 1 shot")
        await session.handle("/remix 1 make it noir")
    for clip_id in (1, 2):
        words = BoardWords.of((await studio.clip(clip_id)).origin["board_words"])
        assert words.say("shot", shot=1) == "ショット 1"


def test_a_row_is_as_tall_as_its_captions_need(tmp_path):
    """A grid of takes captioned "seed N" has no empty band under each row where four caption lines would go."""
    frames = [np.full((48, 64, 3), (90, 120, 200), np.uint8)] * 6
    short = make_storyboard(frames, [f"seed {n}" for n in range(6)], tmp_path / "short.png")
    long = make_storyboard(frames, ["a lighthouse keeper climbs the spiral stairs with a lantern " * 3] * 6,
                           tmp_path / "long.png")
    with Image.open(short) as a, Image.open(long) as b:
        assert b.height - a.height >= 2 * 3 * 17  # three more caption lines in each of the two rows
        pixels = np.asarray(a.convert("RGB")).astype(int)
    panels = json.loads(Image.open(short).info[PANELS_KEY])
    under_first_row = pixels[panels[0][3] + 60: panels[3][1] - 2]  # below the first row's caption, above row 2
    assert len(under_first_row) < 40  # no band of empty background taller than a gap and a line
