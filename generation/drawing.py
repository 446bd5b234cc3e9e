"""Text and file helpers shared by every image Reelbot draws (storyboards, lineage trees, leaderboards)."""
from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import unicodedata
from pathlib import Path

from PIL import Image, ImageFont, PngImagePlugin

from common.files import staging_path

log = logging.getLogger(__name__)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

# One dark palette, so storyboards, lineage trees and leaderboards look like one bot's pictures.
BACKGROUND = (17, 17, 20)
TEXT = (235, 235, 235)
MUTED = (150, 150, 160)

# The font Reelbot installs: Noto Sans CJK (SIL Open Font License 1.1) from the PyPI package
# noto-cjk-sans-otc, a collection whose faces cover Latin, Chinese, Japanese and Korean.
_BUNDLED_FACE = "Noto Sans CJK SC"  # the Simplified Chinese face: hanzi drawn in mainland forms

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


def missing_glyphs(text: str, line_font: Font) -> str:
    """The characters of `text` that `line_font` has no glyph for (they would be drawn as boxes), in order.

    Reads the font's character map (its `cmap` table, with fontTools); Pillow's bitmap default font
    is taken to cover ASCII only."""
    covered = _coverage(getattr(line_font, "path", None), getattr(line_font, "index", 0))
    seen: dict[str, None] = {}
    for char in text:
        if not char.isspace() and ord(char) not in covered and unicodedata.category(char)[0] != "C":
            seen[char] = None
    return "".join(seen)


@functools.lru_cache(maxsize=None)
def _coverage(path: str | None, index: int) -> frozenset[int]:
    if not isinstance(path, str):
        return frozenset(range(0x20, 0x7F))
    from fontTools.ttLib import TTFont  # only read when text is drawn

    with TTFont(path, fontNumber=index, lazy=True) as face:
        return frozenset(face.getBestCmap() or ())


def drawable(text: str, line_font: Font) -> str:
    """`text` as it can be drawn with `line_font`: symbols it lacks (emoji) dropped; "" when letters or
    digits would be boxes. Leaving a caption out is logged once per process; the caller's message (the
    clip's shot list, the lineage text) still carries the words."""
    missing = missing_glyphs(text, line_font)
    if not missing:
        return text
    if any(unicodedata.category(char)[0] in "LN" for char in missing):
        _warn_uncovered(getattr(line_font, "path", "Pillow's default font"))
        return ""
    return "".join(char for char in text if char not in missing)


@functools.lru_cache(maxsize=None)
def _warn_uncovered(path: object) -> None:
    log.warning(
        "the font %s lacks glyphs for some captions (e.g. Chinese); they are left out of images and shown in "
        "the message instead. Reinstall Reelbot (it brings Noto Sans CJK) or install a CJK font (fonts-noto-cjk).",
        path,
    )


def face_for(text: str, like: Font) -> Font:
    """The first font Reelbot knows (in `font`'s order: Noto Sans CJK, other CJK fonts, DejaVu Sans) that
    draws every letter and digit of `text`, at `like`'s size; `like` itself when it does, or when none does
    (`wrap` then gives no lines). Greek, Polish, Hebrew or Arabic names draw with DejaVu Sans when the CJK
    face lacks them; Thai or Devanagari, which no font here covers, are left out rather than boxed."""
    if not _lacks_letters(text, like):
        return like
    size = getattr(like, "size", None)
    if not isinstance(size, (int, float)):
        return like
    for path, index in _font_candidates():
        face = _face(path, index, int(size))
        if face is not None and not _lacks_letters(text, face):
            return face
    return like


def _lacks_letters(text: str, line_font: Font) -> bool:
    return any(unicodedata.category(char)[0] in "LN" for char in missing_glyphs(text, line_font))


@functools.lru_cache(maxsize=None)
def _face(path: str, index: int, size: int) -> Font | None:
    try:
        return ImageFont.truetype(path, size, index=index)
    except OSError:
        return None


def wrap(text: str, font: Font, max_width: int, max_lines: int) -> list[str]:
    """Greedy wrap at spaces; text without spaces (Chinese, Japanese) breaks between characters.
    Text the font cannot draw gives no lines (see `drawable`): never boxes, so a caller draws
    `wrap(...)` line by line and never takes line 0 unchecked (`fit` gives "" instead). Pick the font
    with `face_for` to draw every script a font here covers."""
    text = drawable(text, font)
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
    """The first CJK-capable font found (the bundled Noto Sans CJK first), `size` pixels high."""
    for path, index in _font_candidates():
        face = _face(path, index, size)
        if face is not None:
            return face
    return ImageFont.load_default(size)


def bundled_font() -> tuple[str, int] | None:
    """(path, face index) of Noto Sans CJK SC from the noto-cjk-sans-otc package; None if it is missing."""
    try:
        from noto_cjk_sans_otc import FONT_PATH
    except ImportError:
        return None
    path = str(FONT_PATH)
    if not Path(path).is_file():
        return None
    for index in range(16):
        try:
            if ImageFont.truetype(path, 12, index=index).getname()[0] == _BUNDLED_FACE:
                return path, index
        except OSError:
            break
    return path, 0


def cjk_fonts() -> tuple[str, ...]:
    """Font files found that cover Chinese/Japanese/Korean, the bundled one first (empty: CJK captions are
    left out of images)."""
    return tuple(path for path, _index in _font_candidates()[:-1])


@functools.lru_cache(maxsize=1)
def _font_candidates() -> tuple[tuple[str, int], ...]:
    bundled = bundled_font()
    found = ([bundled] if bundled else []) + [(p, 0) for p in _CJK_FONT_PATHS if Path(p).is_file()]
    if shutil.which("fc-list"):
        try:
            listing = subprocess.run(
                ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=10, check=False
            ).stdout
            found += sorted((line.split(":")[0].strip(), 0) for line in listing.splitlines() if line.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    if not found:
        log.warning("no CJK-capable font found; Chinese/Japanese/Korean captions will be left out of images")
    # Latin-only fallbacks, still nicer than Pillow's bitmap default; Pillow resolves the bare name.
    return (*found, ("DejaVuSans.ttf", 0))


def fit(text: str, line_font: Font, max_width: int) -> str:
    """The text on one line, cut with an ellipsis if it is too wide; "" when the font can't draw it."""
    lines = wrap(text, line_font, max_width, 1)
    return lines[0] if lines else ""


def save_png(
    image: Image.Image, out_path: Path, *, compress_level: int = 6, text: dict[str, str] | None = None
) -> Path:
    """Write atomically, so a reader (the bot posting it) never sees a half-written file. `compress_level`:
    zlib's 0 (none, fastest) to 9 (smallest); 6 is Pillow's default. `text`: PNG text chunks to add."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = staging_path(out_path)
    try:
        # No `optimize`: it tries every filter and level, several times slower for a few percent fewer bytes.
        info = None
        if text:
            info = PngImagePlugin.PngInfo()
            for key, value in text.items():
                info.add_text(key, value)
        image.save(tmp, format="PNG", compress_level=compress_level, pnginfo=info)
        os.replace(tmp, out_path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return out_path
