"""Pictures members upload as a clip's first frame: untrusted bytes in, a safe stored PNG out.

Every picture passes the same gate, whatever brought it (a Discord attachment, a replied-to image, a
console path): a size cap before the bytes are read, a format check on the bytes themselves (PNG, JPEG,
WebP; the first frame of an animated one), a pixel cap before decoding (decompression bombs), a full
decode (truncated files fail here, not on the GPU host), and EXIF orientation applied. The result is
re-encoded as PNG and stored by content hash under `<media>/pictures/`, so the same picture is one file
and a recipe that starts from it hashes the same every time (generation.recipe hashes init images by
content).

`fit_picture` then center-crops and resizes a stored picture to the exact size a preset renders at.
"""
from __future__ import annotations

import dataclasses
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from common.errors import ReelbotError
from common.text import N_, Text
from common.files import store_by_content, write_atomically
from generation.recipe import ShotRender

# Discord's largest upload (boosted servers) is 100 MB; a first frame needs nothing near that.
MAX_PICTURE_BYTES = 20 * 1024 * 1024
# What the presets can use. The largest frame any preset renders is 1280x704 (wan2.2-ti2v-5b); the picture
# is center-cropped and resized down to it, and a picture past 4x that frame on each side adds no detail
# a Lanczos resize keeps. 4096x4096 (16.8 MP) takes every phone's default still (12 MP, 4032x3024) and
# costs at most ~120 MB while decoding (Pillow's RGBA buffer, the RGB copy and the re-encode), where the
# old 40 MP cap let one upload cost ~780 MB. No side may exceed 8192 pixels: a 1x16,000,000 strip is under
# the pixel cap but no picture, and Pillow allocates per row.
MAX_PICTURE_PIXELS = 4096 * 4096
MAX_PICTURE_SIDE = 8192
FORMATS = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp"}
# Pillow's own decompression-bomb guard, set to our cap: it raises before decoding anything larger
# (twice the cap), and warns between; `read_picture` checks the size explicitly before either.
Image.MAX_IMAGE_PIXELS = MAX_PICTURE_PIXELS


class PictureError(ReelbotError):
    """A picture we won't use: wrong type, too large, broken, or not visible to the member."""

    code = "picture_refused"


@dataclass(frozen=True)
class Picture:
    """A stored, checked picture. `path`: the PNG under <media>/pictures/; `sha256`: its content hash (hex);
    `width`/`height` in pixels after EXIF rotation; `source_format`: "png", "jpeg" or "webp"."""

    path: Path
    sha256: str
    width: int
    height: int
    source_format: str


def check_declared_size(size: int | None, *, limit: int = MAX_PICTURE_BYTES) -> None:
    """Refuse a picture by its declared size (a Discord attachment's `size`) before downloading it.
    Raises PictureError (code "picture_too_large", "picture_empty")."""
    if size is not None and size > limit:
        raise PictureError(
            "That picture is {megabytes:.1f} MB; pictures can be at most {limit_mb} MB.",
            code="picture_too_large", megabytes=size / 1e6, limit_mb=limit // (1024 * 1024),
        )
    if size == 0:
        raise PictureError("That picture file is empty.", code="picture_empty")


def read_picture(data: bytes, media_dir: Path) -> Picture:
    """Check and store picture bytes. Raises PictureError with code "picture_empty", "picture_too_large",
    "picture_type" (not PNG/JPEG/WebP), "picture_too_many_pixels" or "picture_broken" (truncated or
    corrupt)."""
    check_declared_size(len(data))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Reads only the header: format and size are known before any pixel is decoded.
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(None) from exc
    except (OSError, ValueError) as exc:
        if _looks_like_picture(data):  # the right signature, but the header is cut off or corrupt
            raise PictureError(
                "That picture is damaged or cut off, so I can't read it. Try saving it again.",
                code="picture_broken", detail=repr(exc),
            ) from exc
        raise PictureError(
            "That file isn't a picture I can use: send a PNG, JPEG or WebP image.", code="picture_type",
            detail=repr(exc),
        ) from exc
    with image:
        if image.width * image.height > MAX_PICTURE_PIXELS or max(image.size) > MAX_PICTURE_SIDE:
            raise _too_many_pixels(image.size)
        source_format = FORMATS[image.format or ""]
        try:
            image.seek(0)  # an animated WebP or PNG: its first frame
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
        except (OSError, ValueError, SyntaxError) as exc:
            raise PictureError(
                "That picture is damaged or cut off, so I can't read it. Try saving it again.",
                code="picture_broken", detail=repr(exc),
            ) from exc
    buffer = io.BytesIO()
    upright.save(buffer, format="PNG")
    path = store_by_content(buffer.getvalue(), Path(media_dir) / "pictures")
    return Picture(path, path.stem, upright.width, upright.height, source_format)


def read_picture_file(path: Path, media_dir: Path) -> Picture:
    """A picture from a local file (the console's `--image`, `/image PATH`). Raises PictureError as
    `read_picture`, and code "picture_missing" when the file can't be read, the typed path included
    (a NUL byte, or `~user` for an unknown user, is refused with ValueError or RuntimeError, not OSError)."""
    path = Path(path)
    try:
        path = path.expanduser()
        check_declared_size(path.stat().st_size)
        data = path.read_bytes()
    except (OSError, ValueError, RuntimeError) as exc:
        raise PictureError("Can't read the picture {path}.", code="picture_missing", path=str(path),
                           detail=repr(exc)) from exc  # fmt: skip
    return read_picture(data, media_dir)


@dataclass(frozen=True)
class Fitted:
    """A picture cropped and resized for a render: `path` of the PNG, and whether cropping changed the
    aspect ratio (members are told)."""

    path: Path
    cropped: bool


def fit_picture(picture_path: Path, width: int, height: int) -> Fitted:
    """Center-crop and resize a stored picture to width x height (pixels), stored next to it as
    `<picture hash>-<W>x<H>.png` (so `original_picture` finds the picture again for another size). Crops rather than squashes: a stretched first frame makes a stretched video. Raises PictureError
    (code "picture_missing") when the stored picture is gone."""
    try:
        with Image.open(picture_path) as image:
            cropped = abs(image.width / image.height - width / height) > 0.01
            fitted = ImageOps.fit(image.convert("RGB"), (width, height), Image.Resampling.LANCZOS)
    except OSError as exc:
        raise PictureError("The starting picture is no longer stored; send it again.", code="picture_missing",
                           detail=repr(exc)) from exc  # fmt: skip
    path = Path(picture_path).with_name(f"{original_picture(Path(picture_path)).stem}-{width}x{height}.png")
    if not path.is_file():
        encoded = io.BytesIO()
        fitted.save(encoded, format="PNG")
        write_atomically(path, encoded.getvalue())
    return Fitted(path, cropped)


def original_picture(path: Path) -> Path:
    """The stored picture a fitted one was made from (itself for an original)."""
    return path.with_name(path.stem.split("-")[0] + ".png")


def start_from_picture(recipes: list[ShotRender], picture: Path) -> tuple[list[ShotRender], tuple[Text, ...]]:
    """The clip's recipes with shot 1 starting from the picture (fitted to its size) and every later shot
    continuing from the last frame of the one before; plus a note for the member when cropping changed
    the picture's shape. Raises PictureError (code "picture_missing")."""
    first = recipes[0]
    fitted = fit_picture(picture, first.width, first.height)
    previous = dataclasses.replace(first, init_image=str(fitted.path))
    out = [previous]
    for recipe in recipes[1:]:
        previous = dataclasses.replace(recipe, continues_from=previous.content_hash())
        out.append(previous)
    notes: tuple[Text, ...] = ()
    if fitted.cropped:
        notes = (Text.of(N_("Your picture was center-cropped to {width}x{height} to fit {model}."),
                         width=first.width, height=first.height, model=first.model),)
    return out, notes


def _looks_like_picture(data: bytes) -> bool:
    """The file signature of PNG, JPEG or WebP (PNG spec 5.2, JFIF SOI marker, RIFF/WEBP container)."""
    return data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def _too_many_pixels(size: tuple[int, int] | None) -> PictureError:
    found = f" ({size[0]}x{size[1]})" if size else ""
    return PictureError(
        "That picture is too large{found}: at most {limit} megapixels and {side} pixels a side, please.",
        code="picture_too_many_pixels", found=found, limit=MAX_PICTURE_PIXELS // 1_000_000, side=MAX_PICTURE_SIDE,
    )


