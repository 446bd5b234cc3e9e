"""What a gallery shows before a clip is played: a poster frame and a short, silent, looping preview.

Both are derived from the clip's video file and kept beside it (`common.files.derived_path`), so deleting
or forgetting the video takes them along. The preview is an animated WebP (Pillow's encoder, libwebp): an
`<img>` plays it in every current browser, loops by itself and needs no script, which the gallery's
Content-Security-Policy forbids anyway.
"""
from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
from PIL import Image

from common.files import derived_path, write_atomically
from generation.errors import EncodeError

# Poster frames are shown as a card's still and as the player's poster.
POSTER_WIDTH = 640
POSTER_QUALITY = 82
# The preview: frames sampled evenly over the whole clip (so every shot appears), shown at PREVIEW_FPS.
PREVIEW_WIDTH = 320
PREVIEW_FPS = 6
PREVIEW_FRAMES = 18
PREVIEW_QUALITY = 60
# Where the poster frame is taken, as a share of the clip: past a first shot's fade-in or starting picture.
POSTER_AT = 0.3


def poster_path(video: Path) -> Path:
    return derived_path(Path(video), "poster.jpg")


def preview_path(video: Path) -> Path:
    return derived_path(Path(video), "preview.webp")


def poster_frame(video: Path) -> Path:
    """The clip's poster frame (JPEG, POSTER_WIDTH wide at most, aspect kept), made once and kept beside the
    video; made again when the video is newer. Blocking (decodes). Raises EncodeError for an unreadable
    video."""
    video = Path(video)
    out = poster_path(video)
    if _fresh(out, video):
        return out
    frames = _sample(video, count=1, at=POSTER_AT)
    image = _shrink(frames[0], POSTER_WIDTH)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=POSTER_QUALITY, optimize=True)
    return write_atomically(out, buffer.getvalue())


def loop_preview(video: Path) -> Path:
    """The clip's looping preview: PREVIEW_FRAMES frames sampled evenly over the whole clip, PREVIEW_WIDTH
    wide at most, as an animated WebP that loops forever at PREVIEW_FPS (about 3 s, tens of kB). Made once and
    kept beside the video. Blocking (decodes and encodes). Raises EncodeError for an unreadable video."""
    video = Path(video)
    out = preview_path(video)
    if _fresh(out, video):
        return out
    images = [_shrink(frame, PREVIEW_WIDTH) for frame in _sample(video, count=PREVIEW_FRAMES)]
    buffer = io.BytesIO()
    images[0].save(buffer, format="WEBP", save_all=True, append_images=images[1:], loop=0,
                   duration=round(1000 / PREVIEW_FPS), quality=PREVIEW_QUALITY, method=4)  # fmt: skip
    return write_atomically(out, buffer.getvalue())


def _fresh(derived: Path, video: Path) -> bool:
    try:
        return derived.stat().st_mtime_ns >= video.stat().st_mtime_ns
    except FileNotFoundError:
        return False


def _sample(video: Path, *, count: int, at: float | None = None) -> list[np.ndarray]:
    """`count` frames spread evenly over the video (or the one frame at share `at` of it), decoded in one
    pass and kept only where wanted."""
    try:
        with av.open(str(video)) as container:
            stream = container.streams.video[0]
            total = stream.frames or 0
            if total <= 0:  # no index: count by decoding (short clips only reach here)
                total = sum(1 for _ in container.decode(stream))
                container.seek(0)
            if at is not None:
                wanted = {min(total - 1, int(total * at))}
            else:
                wanted = {min(total - 1, round(i * (total - 1) / max(1, count - 1))) for i in range(count)}
            frames = [frame.to_ndarray(format="rgb24") for index, frame in enumerate(container.decode(stream))
                      if index in wanted]  # fmt: skip
    except (av.FFmpegError, IndexError, OSError) as exc:
        raise EncodeError("That video file couldn't be read.", detail=f"{video}: {exc!r}") from exc
    if not frames:
        raise EncodeError("That video file couldn't be read.", detail=f"{video}: no frames")
    return frames


def _shrink(frame: np.ndarray, width: int) -> Image.Image:
    image = Image.fromarray(frame).convert("RGB")
    if image.width <= width:
        return image
    return image.resize((width, max(2, round(width * image.height / image.width))), Image.Resampling.LANCZOS)
