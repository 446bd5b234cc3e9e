"""Frames with a declared form: the one type a shot's pixels travel in, from the pipeline to files and pictures.

A diffusers video pipeline called with `output_type="np"` returns float frames in [0, 1]; encoders and
images take uint8 0-255. Handing one form to code that expects the other scales a frame by 255 twice
(every pixel clipped to white) or not at all (every pixel black), and neither raises. So frames are never
passed as bare arrays between modules: a `Frames` knows its form, converts to bytes exactly once
(`to_bytes`, a no-op for frames already in bytes), and `unit_to_bytes`, the one conversion, refuses bytes.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal, Sequence

import numpy as np
from PIL import Image

Form = Literal["unit", "bytes"]


def unit_to_bytes(video: np.ndarray) -> np.ndarray:
    """Float frames in [0, 1] (values outside are clipped), any shape, as uint8 0-255 rounded half to even.

    Raises TypeError for frames that are not floating point: uint8 frames are already bytes, and scaling
    them by 255 again would turn every pixel white."""
    array = np.asarray(video)
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(f"unit_to_bytes takes float frames in [0, 1], not {array.dtype}")
    scaled = np.multiply(array, np.float32(255.0), dtype=np.float32)  # one temporary, then in place
    np.clip(scaled, 0.0, 255.0, out=scaled)
    np.rint(scaled, out=scaled)
    return scaled.astype(np.uint8)


class Frames:
    """RGB frames (F, H, W, 3) in one declared form:

    - "unit": float32 in [0, 1], as diffusers pipelines return them (`output_type="np"`);
    - "bytes": uint8 0-255, as video encoders and images take them.

    The form is the array's dtype, checked on construction (TypeError for any other dtype or shape). A
    unit array is kept as the pipeline returned it: converting a Wan shot (81 x 480 x 832) takes about a
    second of CPU, which a caller may do off the GPU's critical path.
    """

    __slots__ = ("_array",)

    def __init__(self, array: np.ndarray) -> None:
        array = np.asarray(array)
        if array.ndim != 4 or array.shape[-1] != 3:
            raise TypeError(f"frames are (F, H, W, 3) RGB, got shape {array.shape}")
        if array.dtype == np.float64:  # wider than needed, same form
            array = array.astype(np.float32)
        if array.dtype not in (np.float32, np.uint8):
            raise TypeError(f"frames are float32 in [0, 1] or uint8, got {array.dtype}")
        self._array = array

    @classmethod
    def of_images(cls, images: Sequence[Image.Image]) -> "Frames":
        """Pictures (any mode, one size) as frames in bytes."""
        return cls(np.stack([np.asarray(image.convert("RGB"), dtype=np.uint8) for image in images]))

    @classmethod
    def join(cls, pieces: Sequence["Frames"]) -> "Frames":
        """Pieces one after another; in their shared form, or in bytes when their forms differ."""
        if not pieces:
            raise ValueError("nothing to join")
        if len({piece.form for piece in pieces}) == 1:
            return cls(np.concatenate([piece._array for piece in pieces]))
        return cls(np.concatenate([piece.to_bytes() for piece in pieces]))

    @property
    def form(self) -> Form:
        return "bytes" if self._array.dtype == np.uint8 else "unit"

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return self._array.shape  # type: ignore[return-value]

    @property
    def unit(self) -> np.ndarray:
        """The float32 array in [0, 1] (F, H, W, 3): as stored for "unit" frames, converted for "bytes"."""
        if self.form == "unit":
            return self._array
        return self._array.astype(np.float32) / np.float32(255.0)

    def __len__(self) -> int:
        return self._array.shape[0]

    def __getitem__(self, index: slice) -> "Frames":
        """A run of frames, in the same form (a slice; use `frame` for one frame)."""
        if not isinstance(index, slice):
            raise TypeError("index Frames with a slice; frame(i) gives one frame as bytes")
        return Frames(self._array[index])

    def to_bytes(self) -> np.ndarray:
        """uint8 (F, H, W, 3): the frames themselves when already bytes, else converted once."""
        return self._array if self.form == "bytes" else unit_to_bytes(self._array)

    def as_bytes(self) -> "Frames":
        """These frames in the "bytes" form (themselves when already so)."""
        return self if self.form == "bytes" else Frames(unit_to_bytes(self._array))

    def frame(self, index: int) -> np.ndarray:
        """Frame `index` (negative counts from the end) as uint8 (H, W, 3); converts only that frame."""
        one = self._array[index]
        return one if self.form == "bytes" else unit_to_bytes(one)

    def middle(self) -> np.ndarray:
        """The middle frame (index F // 2) as uint8 (H, W, 3): what a storyboard panel shows."""
        return self.frame(len(self) // 2)

    def picture(self, index: int) -> Image.Image:
        """Frame `index` as an RGB picture."""
        return Image.fromarray(self.frame(index), mode="RGB")

    def save_picture(self, index: int, path: Path) -> Path:
        """Frame `index` as a PNG at `path` (a continued segment's start, a still); returns `path`."""
        self.picture(index).save(path, format="PNG")
        return Path(path)

    def finite(self) -> bool:
        """Whether every pixel is finite: NaN or inf (a known half-precision fault) would become a black
        clip. Bytes always are; for unit frames one streaming sum (no temporary array) answers, and only a
        sum that is not finite is confirmed pixel by pixel (a full pass over a Wan shot: 0.1-0.3 s)."""
        if self.form == "bytes":
            return True
        return bool(np.isfinite(np.sum(self._array))) or bool(np.isfinite(self._array).all())
