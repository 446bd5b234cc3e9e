"""Text and file helpers shared by every image Reelbot draws (storyboards, lineage trees, leaderboards)."""
from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageFont

log = logging.getLogger(__name__)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

# One dark palette, so storyboards, lineage trees and leaderboards look like one bot's pictures.
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


def wrap(text: str, font: Font, max_width: int, max_lines: int) -> list[str]:
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


def line_height(font: Font, *, spacing: int = 6) -> int:
    """Pixels from one line of text to the next: the tallest Latin and CJK glyphs plus `spacing`."""
    top, bottom = font.getbbox("Hg中")[1::2]
    return int(bottom - top) + spacing


@functools.lru_cache(maxsize=None)
def font(size: int) -> Font:
    for path in _font_candidates():
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def cjk_fonts() -> tuple[str, ...]:
    """Installed font files that cover Chinese/Japanese/Korean (empty: CJK captions show as boxes)."""
    return _font_candidates()[:-1]


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


def fit(text: str, line_font: Font, max_width: int) -> str:
    """The text on one line, cut with an ellipsis if it is too wide."""
    lines = wrap(text, line_font, max_width, 1)
    return lines[0] if lines else ""


def save_png(image: Image.Image, out_path: Path) -> Path:
    """Write atomically, so a reader (the bot posting it) never sees a half-written file."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".png", dir=out_path.parent)
    os.close(fd)
    try:
        # No `optimize`: it tries every filter and level, several times slower for a few percent fewer bytes.
        image.save(tmp, format="PNG")
        os.replace(tmp, out_path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return out_path
