"""Storyboard PNG: one keyframe per shot in a grid, each captioned with its shot number and text."""
from __future__ import annotations

import dataclasses
import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from PIL import Image, ImageDraw

from common.text import N_
from generation.drawing import BACKGROUND, MUTED, TEXT, face_for, font, line_height, save_png, wrap

log = logging.getLogger(__name__)

PANEL_WIDTH = 320
COLUMNS = 3
GAP = 16
CAPTION_LINES = 4
FONT_SIZE = 16
TITLE_SIZE = 26
# The PNG text key under which a board lists its panels' boxes (see `board_panels`).
PANELS_KEY = "reelbot:panels"
# zlib level of the board's PNG: drawing a board is on the worker's path to a finished clip, and level 1
# deflates a board about twice as fast as Pillow's default 6 for files about a tenth larger.
STORYBOARD_COMPRESS_LEVEL = 1


@dataclass(frozen=True)
class BoardWords:
    """The words a storyboard draws around its pictures (headings, a take's caption), in its readers'
    language. Generation knows no languages: a front-end translates these English templates (the defaults,
    marked for its catalogs) and they travel with the clip to the worker (`of`). Fields: `{shot}`, `{take}`,
    `{seed}`."""

    shot: str = N_("Shot {shot}")
    shot_take: str = N_("Shot {shot} · take {take}")
    take: str = N_("Take {take}")
    picture: str = N_("Picture")
    starting_picture: str = N_("the starting picture")
    seed: str = N_("seed {seed}")

    @classmethod
    def of(cls, words: Mapping[str, Any] | None) -> "BoardWords":
        """The words a front-end stored (a mapping of these fields to its templates); a missing or malformed
        one stays English."""
        words = words if isinstance(words, Mapping) else {}
        return cls(**{f.name: words[f.name] for f in dataclasses.fields(cls) if isinstance(words.get(f.name), str)})

    def say(self, name: str, **values: Any) -> str:
        """The template `name` filled with `values`; a translation that breaks its fields falls back to English."""
        try:
            return getattr(self, name).format(**values)
        except (KeyError, IndexError, ValueError):
            log.warning("storyboard words %r do not fit %s; drawn in English", getattr(self, name), sorted(values))
            return getattr(BoardWords(), name).format(**values)


def make_storyboard(
    keyframes: Sequence[np.ndarray | Image.Image],
    captions: Sequence[str],
    out_path: Path,
    *,
    title: str | None = None,
    subtitle: str | None = None,
    headings: Sequence[str] | None = None,
    columns: int | None = None,
) -> Path:
    """Keyframes in a grid under `title` (two lines at most) and `subtitle` (the film's style; one line),
    each panel captioned with its heading ("Shot n" unless `headings` says otherwise: a starting picture,
    takes, or the readers' language: BoardWords) plus its caption (four lines at most), `columns` panels a
    row (default 3). Headings and captions in any script a font here draws (generation.drawing.face_for).
    Returns `out_path`.

    Keyframes are pictures or uint8 (H, W, 3) arrays (`Frames.frame`); any other array raises TypeError.
    The board's PNG lists where each panel is (`board_panels` reads them back)."""
    if not keyframes or len(keyframes) != len(captions):
        raise ValueError("need one caption per keyframe, and at least one keyframe")
    headings = list(headings) if headings is not None else [BoardWords().say("shot", shot=n + 1)
                                                            for n in range(len(keyframes))]
    if len(headings) != len(keyframes):
        raise ValueError("need one heading per keyframe")
    thumbs = [panel_image(frame) for frame in keyframes]
    caption_font, heading, title_font = font(FONT_SIZE), font(FONT_SIZE + 2), font(TITLE_SIZE)
    caption_line = line_height(caption_font)
    thumb_height = max(t.height for t in thumbs)
    lines = [wrap(caption, face_for(caption, caption_font), PANEL_WIDTH, CAPTION_LINES) for caption in captions]

    columns = min(columns or COLUMNS, len(thumbs))
    rows = math.ceil(len(thumbs) / columns)
    # Each row as tall as its longest caption needs (a grid of takes captioned "seed N" has no empty bands).
    row_heights = [thumb_height + 8 + line_height(heading) + 4 + caption_line * max(
        len(lines[i]) for i in range(row * columns, min(len(thumbs), (row + 1) * columns))) for row in range(rows)]
    width = columns * PANEL_WIDTH + (columns + 1) * GAP
    title_font, subtitle_font = face_for(title or "", title_font), face_for(subtitle or "", caption_font)
    title_lines = wrap(title, title_font, width - 2 * GAP, 2) if title else []
    subtitle_lines = wrap(subtitle, subtitle_font, width - 2 * GAP, 1) if subtitle else []
    header = len(title_lines) * line_height(title_font) + len(subtitle_lines) * caption_line
    top = GAP + (header + GAP if header else 0)
    row_tops = [top + sum(row_heights[:row]) + row * GAP for row in range(rows)]
    height = row_tops[-1] + row_heights[-1] + GAP

    board = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(board)
    boxes: list[tuple[int, int, int, int]] = []
    for i, line in enumerate(title_lines):
        draw.text((GAP, GAP + i * line_height(title_font)), line, font=title_font, fill=TEXT)
    for line in subtitle_lines:
        draw.text((GAP, GAP + len(title_lines) * line_height(title_font)), line, font=subtitle_font, fill=MUTED)
    for index, (thumb, caption) in enumerate(zip(thumbs, captions, strict=True)):
        row, column = divmod(index, columns)
        x = GAP + column * (PANEL_WIDTH + GAP)
        y = row_tops[row]
        thumb_y = y + (thumb_height - thumb.height) // 2
        board.paste(thumb, (x, thumb_y))
        boxes.append((x, thumb_y, x + thumb.width, thumb_y + thumb.height))
        text_y = y + thumb_height + 8
        draw.text((x, text_y), headings[index], font=face_for(headings[index], heading), fill=MUTED)
        text_y += line_height(heading) + 4
        face = face_for(caption, caption_font)
        for line in lines[index]:
            draw.text((x, text_y), line, font=face, fill=TEXT)
            text_y += caption_line

    return save_png(board, Path(out_path), compress_level=STORYBOARD_COMPRESS_LEVEL,
                    text={PANELS_KEY: json.dumps(boxes)})  # fmt: skip


def board_panels(path: Path) -> list[Image.Image]:
    """The panels of a board `make_storyboard` drew, in order, cropped from its pixels (what a member sees).
    Raises ValueError for a PNG that does not list its panels."""
    with Image.open(path) as board:
        listed = board.info.get(PANELS_KEY)
        if listed is None:
            raise ValueError(f"{path} is not a storyboard: it lists no panels")
        return [board.convert("RGB").crop(tuple(box)) for box in json.loads(listed)]


def panel_image(frame: np.ndarray | Image.Image) -> Image.Image:
    """A keyframe, a uint8 (H, W, 3) array or a picture, as its storyboard panel: PANEL_WIDTH wide, aspect kept
    (Lanczos). An image already PANEL_WIDTH wide (a panel kept from an earlier storyboard) is used as is."""
    image = _to_image(frame)
    if image.width == PANEL_WIDTH:
        return image
    return image.resize((PANEL_WIDTH, max(1, round(PANEL_WIDTH * image.height / image.width))), Image.Resampling.LANCZOS)


def _to_image(frame: np.ndarray | Image.Image) -> Image.Image:
    """The one place a keyframe array becomes a picture: bytes only. A float frame cast here would come out
    black (values 0-1) or, scaled again, white; its owner converts it (`generation.frames`)."""
    if isinstance(frame, Image.Image):
        return frame.convert("RGB")
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        raise TypeError(f"a keyframe is a uint8 (H, W, 3) array or a picture, got {frame.dtype} {frame.shape}")
    return Image.fromarray(frame, mode="RGB")
