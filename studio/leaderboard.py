"""The results image of a vote challenge: one row per entry with rank, thumbnail, title, author, votes."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from common.text import N_, Nn_, Text
from generation.encoding import read_frame
from generation.errors import EncodeError

from generation.drawing import BACKGROUND, MUTED, TEXT, face_for, fit, font, line_height, save_png

WIDTH = 880
MARGIN = 24
RANK_WIDTH = 56
THUMB = (160, 90)
ROW_HEIGHT = THUMB[1] + 20
# Chat clients shrink tall images to slivers; the full ranking stays in the text of the results post.
MAX_ROWS = 10
ROW_BACKGROUND = (28, 28, 34)
MEDALS = {1: (240, 190, 50), 2: (200, 200, 210), 3: (205, 127, 50)}


@dataclass(frozen=True)
class Row:
    """One entry of the leaderboard image; the video (or storyboard) gives its thumbnail."""

    rank: int
    title: str
    author: str
    votes: int
    video_path: str | None = None
    storyboard_path: str | None = None
    # e.g. "remix of #12 by bob"
    note: Text | None = None


def render_leaderboard(heading: Text, subheading: Text, rows: Sequence[Row], out_path: Path, *,
                       say: Callable[[Text], str] = Text.english) -> Path:
    """Draw the leaderboard PNG (written atomically) and return its path; its words through `say` (the
    readers' language, bot.i18n.say)."""
    shown = list(rows[:MAX_ROWS])
    title_font, body_font, small_font = font(28), font(18), font(15)
    header_height = MARGIN + _height(title_font) + 8 + _height(small_font) + MARGIN
    more = len(rows) - len(shown)
    footer_height = (_height(small_font) + MARGIN) if more else 0
    height = header_height + len(shown) * (ROW_HEIGHT + 8) + footer_height + MARGIN
    board = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(board)
    text_width = WIDTH - 2 * MARGIN
    _draw_fitted(draw, (MARGIN, MARGIN), say(heading), title_font, text_width, TEXT)
    subheading_y = MARGIN + _height(title_font) + 8
    _draw_fitted(draw, (MARGIN, subheading_y), say(subheading), small_font, text_width, MUTED)

    y = header_height
    for row in shown:
        _draw_row(board, draw, row, y, body_font, small_font, say)
        y += ROW_HEIGHT + 8
    if more:
        draw.text((MARGIN, y), say(Text.count(Nn_("…and {n} more", "…and {n} more"), more)), font=small_font, fill=MUTED)

    return save_png(board, Path(out_path))


def _draw_row(
    board: Image.Image,
    draw: ImageDraw.ImageDraw,
    row: Row,
    y: int,
    body: ImageFont.FreeTypeFont,
    small: ImageFont.FreeTypeFont,
    say: Callable[[Text], str],
) -> None:
    draw.rectangle((MARGIN, y, WIDTH - MARGIN, y + ROW_HEIGHT), fill=ROW_BACKGROUND)
    middle = y + ROW_HEIGHT // 2
    rank = str(row.rank)
    draw.text(
        (MARGIN + RANK_WIDTH // 2 - body.getlength(rank) / 2, middle - _height(body) // 2),
        rank,
        font=body,
        fill=MEDALS.get(row.rank, MUTED) if row.votes else MUTED,
    )
    thumb_x, thumb_y = MARGIN + RANK_WIDTH, y + (ROW_HEIGHT - THUMB[1]) // 2
    board.paste(_thumbnail(row), (thumb_x, thumb_y))

    votes = say(Text.count(Nn_("{n} vote", "{n} votes"), row.votes))
    votes_x = WIDTH - MARGIN - 12 - body.getlength(votes)
    draw.text((votes_x, middle - _height(body) // 2), votes, font=body, fill=TEXT)

    text_x = thumb_x + THUMB[0] + 16
    text_width = int(votes_x - 16 - text_x)
    lines = [(row.title, body, TEXT), (say(Text.of(N_("by {author}"), author=row.author)), small, MUTED)]
    if row.note is not None:
        lines.append((say(row.note), small, MUTED))
    text_y = middle - sum(_height(f) for _, f, _ in lines) // 2
    for text, line_font, colour in lines:
        _draw_fitted(draw, (text_x, text_y), text, line_font, text_width, colour)
        text_y += _height(line_font)


def _draw_fitted(draw: ImageDraw.ImageDraw, at: tuple[float, float], text: str, line_font: ImageFont.FreeTypeFont,
                 width: int, colour: tuple[int, int, int]) -> None:
    """One line of `text` in the first font that draws its script (names in any language), cut to `width`."""
    face = face_for(text, line_font)
    draw.text(at, fit(text, face, width), font=face, fill=colour)


def _thumbnail(row: Row) -> Image.Image:
    """The clip's first frame, else its storyboard, letterboxed into the thumbnail box."""
    box = Image.new("RGB", THUMB, (40, 40, 48))
    image = None
    if row.video_path and Path(row.video_path).is_file():
        try:
            image = Image.fromarray(read_frame(Path(row.video_path), 0))
        except (EncodeError, IndexError):
            image = None
    if image is None and row.storyboard_path and Path(row.storyboard_path).is_file():
        with Image.open(row.storyboard_path) as storyboard:
            image = storyboard.convert("RGB")
    if image is not None:
        fitted = ImageOps.contain(image, THUMB)
        box.paste(fitted, ((THUMB[0] - fitted.width) // 2, (THUMB[1] - fitted.height) // 2))
    return box


def _height(line_font: ImageFont.FreeTypeFont) -> int:
    return line_height(line_font, spacing=8)
