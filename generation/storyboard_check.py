"""Does a storyboard show its shots? Each panel is compared, pixel by pixel, with what it stands for.

A panel stands for its shot's middle frame as decoded from the shot's file (or for a still, its picture).
A panel that is one flat colour (a blank-white or black board), or that looks as much like another frame
of the clip as like its own, is a fault. Used by
the tests of every clip layout and by `benchmarks/white_panels.py`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from generation.encoding import probe, read_frame
from generation.storyboard import board_panels, panel_image

# A panel must be nearer its own frame than any other frame of the clip, by this factor (mean absolute
# differences): the kept keyframe comes from the frames before encoding, the reference from the decoded
# file, and x264 at CRF 18 moves the noisy pixels of the tiny models by a few levels (up to ~19 of 255 on
# tiny-ltx). Another shot is usually 1.4x or more further off; frames next to each other in a shot that
# continues from a still frame can be within 1.2x.
MAX_RIVAL_RATIO = 0.9
# A panel whose every colour channel spreads less than this (standard deviation over the panel, 0-255) is
# one flat colour. Per channel: a flat panel's channels differ in level (137, 157, 133), which the spread
# of all its values together counts as detail (~10). The flat tiny-wan stills measured at most 3.5; the
# tiny presets' stills and frames 15 or more.
MIN_PANEL_SPREAD = 6.0


@dataclass(frozen=True)
class PanelReport:
    """One panel against its reference frame (`difference`) and the nearest other frame of the clip
    (`rival`; inf when there is none): mean absolute differences, 0-255; `spread`: `pixel_spread`."""

    index: int
    difference: float
    rival: float
    spread: float

    @property
    def fault(self) -> str | None:
        """What is wrong with the panel in words, or None."""
        if self.spread < MIN_PANEL_SPREAD:
            return f"panel {self.index + 1} is one flat colour (spread {self.spread:.1f})"
        if self.difference > MAX_RIVAL_RATIO * self.rival:
            return (f"panel {self.index + 1} differs from its frame by {self.difference:.1f} on average, "
                    f"from another frame by {self.rival:.1f}")
        return None


def _frames_of(source: Path) -> tuple[int, list[Image.Image]]:
    """(index of the frame a panel for `source` should show, every frame of it): a video's middle frame
    (decoded) among all its frames, or a picture (a still) alone."""
    source = Path(source)
    if source.suffix.lower() == ".mp4":
        frames = [Image.fromarray(read_frame(source, i), mode="RGB") for i in range(probe(source).frame_count)]
        return len(frames) // 2, frames
    with Image.open(source) as picture:
        return 0, [picture.convert("RGB")]


def check_panels(board: Path, sources: Sequence[Path], *, skip: int = 0) -> list[PanelReport]:
    """Compare the panels of storyboard `board` (after its first `skip`, e.g. a starting picture) with
    `sources`, one shot video or still picture per panel, in order: each with its own reference frame and
    with every other frame of the sources. Raises ValueError when the board has another number of panels."""
    panels = board_panels(board)[skip:]
    if len(panels) != len(sources):
        raise ValueError(f"{board} has {len(panels)} panels for {len(sources)} shots")
    candidates: dict[Path, tuple[int, list[np.ndarray]]] = {}
    for source in sources:
        if Path(source) not in candidates:
            middle, frames = _frames_of(source)
            candidates[Path(source)] = middle, [_pixels(panel_image(frame)) for frame in frames]
    reports = []
    for index, (panel, source) in enumerate(zip(panels, sources, strict=True)):
        shown = _pixels(panel)
        middle, own = candidates[Path(source)]
        rivals = [frame for path, (_, frames) in candidates.items() for at, frame in enumerate(frames)
                  if path != Path(source) or at != middle]  # fmt: skip
        rival = min((_difference(shown, frame) for frame in rivals), default=float("inf"))
        reports.append(PanelReport(index, _difference(shown, own[middle]), rival, pixel_spread(shown)))
    return reports


def panel_faults(board: Path, sources: Sequence[Path], *, skip: int = 0) -> list[str]:
    """The faults `check_panels` finds, in words; empty when every panel shows its shot."""
    return [report.fault for report in check_panels(board, sources, skip=skip) if report.fault is not None]


def pixel_spread(pixels: np.ndarray) -> float:
    """How much a picture's pixels vary: the largest of its colour channels' standard deviations, 0-255.
    `pixels`: (height, width, 3), or any (..., 3) array of them."""
    return float(np.asarray(pixels, dtype=np.float32).reshape(-1, 3).std(axis=0).max())


def _pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.float32)


def _difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean()) if a.shape == b.shape else 255.0
