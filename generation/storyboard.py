"""Storyboard PNG: one keyframe per shot in a grid, each captioned with its shot number and text."""
from __future__ import annotations

import functools
import logging
import math
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

PANEL_WIDTH = 320
COLUMNS = 3
GAP = 16
CAPTION_LINES = 4
FONT_SIZE = 16
TITLE_SIZE = 26
BACKGROUND = (17, 17, 20)
TEXT = (235, 235, 235)
MUTED = (150, 150, 160)

# Fonts that cover Chinese/Japanese/Korean as well as Latin, by common install location.
_CJK_FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/Hiragino Sans GB.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)


def make_storyboard(
    keyframes: Sequence[np.ndarray | Image.Image],
    captions: Sequence[str],
    out_path: Path,
    *,
    title: str | None = None,
) -> Path:
    if not keyframes or len(keyframes) != len(captions):
        raise ValueError("need one caption per keyframe, and at least one keyframe")
    images = [_to_image(frame) for frame in keyframes]
    thumbs = [im.resize((PANEL_WIDTH, max(1, round(PANEL_WIDTH * im.height / im.width))), Image.Resampling.LANCZOS)
              for im in images]
    font, heading, title_font = _font(FONT_SIZE), _font(FONT_SIZE + 2), _font(TITLE_SIZE)
    line_height = _line_height(font)
    thumb_height = max(t.height for t in thumbs)
    caption_height = _line_height(heading) + 4 + CAPTION_LINES * line_height
    panel_height = thumb_height + 8 + caption_height

    columns = min(COLUMNS, len(thumbs))
    rows = math.ceil(len(thumbs) / columns)
    width = columns * PANEL_WIDTH + (columns + 1) * GAP
    title_lines = _wrap(title, title_font, width - 2 * GAP, 2) if title else []
    top = GAP + (len(title_lines) * _line_height(title_font) + GAP if title_lines else 0)
    height = top + rows * (panel_height + GAP)

    board = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(board)
    for i, line in enumerate(title_lines):
        draw.text((GAP, GAP + i * _line_height(title_font)), line, font=title_font, fill=TEXT)
    for index, (thumb, caption) in enumerate(zip(thumbs, captions, strict=True)):
        row, column = divmod(index, columns)
        x = GAP + column * (PANEL_WIDTH + GAP)
        y = top + row * (panel_height + GAP)
        board.paste(thumb, (x, y + (thumb_height - thumb.height) // 2))
        text_y = y + thumb_height + 8
        draw.text((x, text_y), f"Shot {index + 1}", font=heading, fill=MUTED)
        text_y += _line_height(heading) + 4
        for line in _wrap(caption, font, PANEL_WIDTH, CAPTION_LINES):
            draw.text((x, text_y), line, font=font, fill=TEXT)
            text_y += line_height

    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".png", dir=out_path.parent)
    os.close(fd)
    try:
        board.save(tmp, format="PNG", optimize=True)
        os.replace(tmp, out_path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return out_path


def _to_image(frame: np.ndarray | Image.Image) -> Image.Image:
    if isinstance(frame, Image.Image):
        return frame.convert("RGB")
    return Image.fromarray(np.asarray(frame, dtype=np.uint8)).convert("RGB")


def _wrap(text: str, font: ImageFont.ImageFont | ImageFont.FreeTypeFont, max_width: int, max_lines: int) -> list[str]:
    """Greedy wrap at spaces; text without spaces (Chinese, Japanese) breaks between characters."""
    lines: list[str] = []
    line = ""
    for word in " ".join(text.split()).split(" "):
        candidate = f"{line} {word}" if line else word
        if font.getlength(candidate) <= max_width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if line and font.getlength(line + char) > max_width:
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and font.getlength(last + "…") > max_width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


def _line_height(font: ImageFont.ImageFont | ImageFont.FreeTypeFont) -> int:
    top, bottom = font.getbbox("Hg中")[1::2]
    return int(bottom - top) + 6


@functools.lru_cache(maxsize=None)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _font_candidates():
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


@functools.lru_cache(maxsize=1)
def _font_candidates() -> tuple[str, ...]:
    found = [p for p in _CJK_FONT_PATHS if Path(p).is_file()]
    if shutil.which("fc-list"):
        try:
            listing = subprocess.run(
                ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=10, check=False
            ).stdout
            found += sorted(line.split(":")[0].strip() for line in listing.splitlines() if line.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    if not found:
        log.warning("no CJK-capable font found; Chinese/Japanese/Korean captions may show as boxes")
    # Latin-only fallbacks, still nicer than Pillow's bitmap default; Pillow resolves the bare name.
    return (*found, "DejaVuSans.ttf")
