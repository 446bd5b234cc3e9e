"""H.264 MP4 in and out with PyAV: encode frames, stitch shots, squeeze under an upload limit, probe.

PyAV releases the GIL while it scales and encodes, so an encode on a background thread runs beside
Python work (a render's denoising loop) on other threads."""
from __future__ import annotations

import collections
import io
import os
import shutil
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import av
import numpy as np
from PIL import Image

from common.files import staging_path
from generation.errors import EncodeError
from generation.frames import Frames

DISCORD_LIMIT_BYTES = 10 * 1024 * 1024
# Shots and stitched clips are intermediates at high quality (the bot re-encodes them to fit an upload
# limit), written beside the GPU's next render: a fast preset costs some bytes, not quality.
CRF = 18
SHOT_PRESET = "veryfast"
# Fitting under an upload limit spends its few bits carefully: the slower preset looks better per byte.
FIT_PRESET = "medium"
# Resolution ladder for fit_to_limit once a lower bitrate alone no longer fits.
_FIT_SCALES = (1.0, 0.75, 0.5, 0.35, 0.25)
_MIN_SIDE = 16
# MP4 boxes cost a fixed amount plus a little per frame (sample tables), whatever the bitrate.
_MP4_OVERHEAD_BYTES = 1024
_MP4_OVERHEAD_PER_FRAME = 16


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    frame_count: int
    duration: float
    size_bytes: int


def encode_mp4(
    frames: np.ndarray | Sequence[np.ndarray],
    fps: float,
    path: Path,
    *,
    bitrate: int | None = None,
    preset: str = SHOT_PRESET,
) -> Path:
    """Encode RGB uint8 frames (F, H, W, 3) as H.264/yuv420p MP4 (CRF 18, or `bitrate` bits/s, with the
    x264 `preset`); odd sizes are scaled to even ones. Raises ValueError for no frames or wrong dtype/shape,
    EncodeError when the encoder fails."""
    frames = list(frames)
    if not frames:
        raise ValueError("no frames to encode")
    height, width = frames[0].shape[:2]
    with _Writer(Path(path), fps, width, height, bitrate=bitrate, preset=preset) as writer:
        for frame in frames:
            if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
                raise ValueError(f"frames must be uint8 RGB (H, W, 3), got {frame.dtype} {frame.shape}")
            writer.write(av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24"))
    return Path(path)


def stitch(
    shot_paths: Sequence[Path], out_path: Path, *, reencode: bool = False, preset: str = SHOT_PRESET
) -> Path:
    """Concatenate shots into one clip at the first shot's size and frame rate.

    Shots that share their codec settings (the same encoder, size, frame rate and parameter sets, as every
    shot `encode_mp4` writes for one preset does) are joined by copying their compressed packets, which
    costs no quality and almost no time. Otherwise, or with `reencode`, every frame is decoded and
    encoded again (CRF 18, x264 `preset`), rescaling shots of another size. Raises ValueError for no
    shots, EncodeError for an unreadable shot or a failed encode.
    """
    if not shot_paths:
        raise ValueError("no shots to stitch")
    if not reencode and _remux_compatible(shot_paths):
        return _remux(shot_paths, Path(out_path))
    first = probe(shot_paths[0])
    with _Writer(Path(out_path), first.fps, first.width, first.height, preset=preset) as writer:
        for shot in shot_paths:
            for frame in _decode(shot):
                writer.write(frame)
    return Path(out_path)


def _codec_settings(path: Path) -> tuple | None:
    """What two H.264 streams must share for their packets to play as one stream, or None if unreadable."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            context = stream.codec_context
            return (context.name, context.width, context.height, context.pix_fmt, stream.time_base,
                    stream.average_rate, bytes(context.extradata or b""))
    except (av.FFmpegError, IndexError, OSError):
        return None


def _remux_compatible(shot_paths: Sequence[Path]) -> bool:
    settings = {_codec_settings(Path(path)) for path in shot_paths}
    return len(settings) == 1 and None not in settings


def _remux(shot_paths: Sequence[Path], out_path: Path) -> Path:
    """Copy every shot's packets into one MP4, shifting each shot's timestamps past the previous shot's end."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = staging_path(out_path)
    try:
        with av.open(str(tmp), mode="w", format="mp4", options={"movflags": "+faststart"}) as output:
            out_stream = None
            offset = 0
            for path in shot_paths:
                with av.open(str(path)) as container:
                    stream = container.streams.video[0]
                    if out_stream is None:
                        out_stream = output.add_stream_from_template(stream)
                        out_stream.time_base = stream.time_base
                    end = offset
                    for packet in container.demux(stream):
                        if packet.dts is None:  # the demuxer's end-of-stream flush packet
                            continue
                        end = max(end, offset + packet.pts + (packet.duration or 0))
                        packet.pts += offset
                        packet.dts += offset
                        packet.stream = out_stream
                        output.mux(packet)
                    offset = end
        os.replace(tmp, out_path)
    except (av.FFmpegError, OSError) as exc:
        raise EncodeError("The shots couldn't be joined into one video.", detail=f"{out_path}: {exc!r}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return out_path


def fit_to_limit(src: Path, max_bytes: int = DISCORD_LIMIT_BYTES, out_path: Path | None = None) -> Path:
    """A copy of src no bigger than max_bytes: lower bitrate first, then lower resolution.

    Raises EncodeError when even the smallest, lowest-bitrate version does not fit.
    """
    src = Path(src)
    out_path = Path(out_path) if out_path is not None else src.with_name(f"{src.stem}-fit{src.suffix}")
    info = probe(src)
    if info.size_bytes <= max_bytes:
        if out_path != src:
            shutil.copyfile(src, out_path)
        return out_path
    too_big = EncodeError(
        "The video can't be made smaller than the {limit} upload limit, even at low quality.",
        limit=_human_size(max_bytes),
        detail=f"{src} is {info.size_bytes} bytes",
    )
    payload = max_bytes - _MP4_OVERHEAD_BYTES - _MP4_OVERHEAD_PER_FRAME * info.frame_count
    if payload <= 0:
        raise too_big
    # Rate control overshoots a little on short clips, so aim 10% under.
    bitrate = int(payload * 8 * 0.9 / max(info.duration, 1 / info.fps))
    tried: set[tuple[int, int]] = set()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    attempt = staging_path(out_path)
    try:
        for scale in _FIT_SCALES:
            size = (_even(max(_MIN_SIDE, info.width * scale)), _even(max(_MIN_SIDE, info.height * scale)))
            if size in tried:
                continue
            tried.add(size)
            try:
                with _Writer(attempt, info.fps, *size, bitrate=bitrate, preset=FIT_PRESET) as writer:
                    for frame in _decode(src):
                        writer.write(frame)
            except av.FFmpegError as exc:
                # libx264 refuses to open at all below a minimum rate: as small as this video gets.
                raise too_big from exc
            got = attempt.stat().st_size
            if got <= max_bytes:
                os.replace(attempt, out_path)
                return out_path
            # Smaller frames need fewer bits for the same look; also correct for the encoder's overshoot.
            bitrate = int(bitrate * min(0.9, max_bytes / got))
    finally:
        attempt.unlink(missing_ok=True)
    raise too_big


def probe(path: Path) -> VideoInfo:
    """Size, frame rate, frame count and duration (seconds) of a video file. The frame count comes from the
    container's index (an MP4's sample table) when it has one, else from decoding every frame. Raises
    EncodeError for an unreadable file."""
    path = Path(path)
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            fps = float(stream.average_rate or stream.guessed_rate or 0)
            frame_count = stream.frames or sum(1 for _ in container.decode(stream))
            if stream.duration:
                duration = float(stream.duration * stream.time_base)
            elif container.duration:
                duration = container.duration / av.time_base
            else:
                duration = frame_count / fps if fps else 0.0
            width, height = stream.codec_context.width, stream.codec_context.height
    except (av.FFmpegError, IndexError, OSError) as exc:
        raise EncodeError("That video file couldn't be read.", detail=f"{path}: {exc!r}") from exc
    return VideoInfo(width, height, fps, frame_count, duration, path.stat().st_size)


def frame_png(video: Path, index: int) -> bytes:
    """Frame `index` of the video (as `read_frame` counts: -1 is the last, what a shot continuing from it
    starts from), encoded as PNG; raises EncodeError when it can't be decoded."""
    buffer = io.BytesIO()
    Image.fromarray(read_frame(Path(video), index)).save(buffer, format="PNG")
    return buffer.getvalue()


def read_video(path: Path) -> Frames:
    """Every frame of a video, decoded, as Frames in bytes. Raises EncodeError for an unreadable file."""
    frames = [frame.to_ndarray(format="rgb24") for frame in _decode(Path(path))]
    if not frames:
        raise EncodeError("That video file couldn't be read.", detail=f"{path}: no frames")
    return Frames(np.stack(frames))


def read_frame(path: Path, index: int) -> np.ndarray:
    """One decoded frame as RGB uint8 (H, W, 3); negative indexes count from the end (-1 is the last)."""
    if index >= 0:
        for i, frame in enumerate(_decode(path)):
            if i == index:
                return frame.to_ndarray(format="rgb24")
    else:
        tail = collections.deque(_decode(path), maxlen=-index)
        if len(tail) == -index:
            return tail[0].to_ndarray(format="rgb24")
    raise IndexError(f"{path} has no frame {index}")


def _decode(path: Path) -> Iterator[av.VideoFrame]:
    try:
        with av.open(str(path)) as container:
            yield from container.decode(container.streams.video[0])
    except (av.FFmpegError, IndexError, OSError) as exc:
        raise EncodeError("That video file couldn't be read.", detail=f"{path}: {exc!r}") from exc


class _Writer:
    """Writes frames to a temp file and renames it into place on success: readers never see half a video."""

    def __init__(
        self, path: Path, fps: float, width: int, height: int, *, bitrate: int | None = None, preset: str = SHOT_PRESET
    ) -> None:
        self.path = path
        self.preset = preset
        self.width, self.height = _even(width), _even(height)
        self.rate = Fraction(fps).limit_denominator(1001)
        self.bitrate = bitrate
        self.count = 0

    def __enter__(self) -> "_Writer":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = staging_path(self.path)
        try:
            # faststart puts the index first so chat clients can start playing before the download ends.
            self.container = av.open(str(self.tmp), mode="w", format="mp4", options={"movflags": "+faststart"})
            self.stream = self.container.add_stream("libx264", rate=self.rate)
            self.stream.width, self.stream.height, self.stream.pix_fmt = self.width, self.height, "yuv420p"
            if self.bitrate:
                self.stream.bit_rate = self.bitrate
                # A VBV cap keeps single-pass rate control close to the target on short clips.
                rate = str(self.bitrate)
                self.stream.options = {"preset": self.preset, "maxrate": rate, "bufsize": rate}
            else:
                self.stream.options = {"preset": self.preset, "crf": str(CRF)}
        except (av.FFmpegError, OSError) as exc:
            self.tmp.unlink(missing_ok=True)
            raise EncodeError("The video couldn't be encoded.", detail=repr(exc)) from exc
        return self

    def write(self, frame: av.VideoFrame) -> None:
        frame = frame.reformat(width=self.width, height=self.height, format="yuv420p")
        frame.pts = self.count
        frame.time_base = 1 / self.rate
        self.count += 1
        self._mux(self.stream.encode(frame))

    def _mux(self, packets: Iterable[av.Packet]) -> None:
        for packet in packets:
            self.container.mux(packet)

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self._mux(self.stream.encode(None))
            self.container.close()
            if exc_type is None:
                os.replace(self.tmp, self.path)
        except (av.FFmpegError, OSError) as error:
            raise EncodeError("The video couldn't be encoded.", detail=repr(error)) from error
        finally:
            self.tmp.unlink(missing_ok=True)


def _even(value: float) -> int:
    return max(2, int(round(value)) // 2 * 2)


def _human_size(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"
