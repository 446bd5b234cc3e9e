"""What the bot host and a remote GPU exchange, independent of the engine that carries it (Ray in
production, a fake executor in tests).

A GPU *slot* is one long-lived renderer pinned to one GPU (a Ray actor). The dispatcher sends it the
shots of one job that are missing from the render cache (`RenderRequest`) and reads back a stream of
events: `Loaded` once the model is ready, `Progress` a few times per second at most, and one `Shot`
per rendered shot, carrying the encoded mp4 itself so the bot host needs no shared storage.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol


class SlotLost(Exception):
    """The GPU slot is gone (its actor died, its node left the cluster); whatever it ran is lost."""


@dataclass(frozen=True)
class ShotTask:
    """One shot to render: its position in the clip (0-based), its `ShotRender.to_dict()`, and for an
    image-to-video shot the starting frame's bytes (the recipe's path is on the bot host).

    A shot that continues from the shot before it (`continues_from`, as `generation.assemble` renders it)
    names that shot's recipe hash in `previous`; when this request doesn't render that shot, `start_frame`
    carries the PNG of its last frame, taken on the bot host from its render cache entry. `references`: the
    shot's reference pictures as (SHA-256, bytes), which the GPU host stores under those names, so the
    recipe hashes the same there (generation.recipe.picture_digest)."""

    index: int
    recipe: dict
    init_image: bytes | None = None
    previous: str | None = None
    start_frame: bytes | None = None
    references: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True)
class RenderRequest:
    """The shots of job `job_id` to render, in clip order; `total` is the clip's shot count."""

    job_id: int
    shots: tuple[ShotTask, ...]
    total: int


@dataclass(frozen=True)
class Loaded:
    """The slot has `model` loaded; `seconds` it took to load, None if it already was."""

    model: str
    seconds: float | None
    kind = "loaded"


@dataclass(frozen=True)
class Progress:
    """Denoising step `step` of `steps` done on shot `index` (0-based, position in the clip)."""

    index: int
    step: int
    steps: int
    kind = "progress"


@dataclass(frozen=True)
class Shot:
    """A rendered shot: its recipe hash, the encoded mp4 file's bytes, and the GPU seconds it took
    (denoise and decode, not model loading nor encoding)."""

    index: int
    recipe_hash: str
    mp4: bytes
    gpu_seconds: float
    kind = "shot"


Event = Loaded | Progress | Shot


@dataclass(frozen=True)
class SlotInfo:
    """A ready GPU slot as the workers table shows it.

    `id` doubles as the worker id in the jobs and workers tables; `presets` are the model presets its
    host declared it has on disk (None: it didn't declare any, so it is trusted with every preset);
    `node` names the cluster node it runs on (Ray's node id), for operators.
    """

    id: str
    host: str
    pid: int
    presets: frozenset[str] | None = None
    node: str | None = None


class RenderStream(Protocol):
    """The events of one running request. Iterating raises `SlotLost` if the slot dies, a
    `generation.errors.RenderError` if the render fails there, and `RenderCancelled` after `cancel()`."""

    def __iter__(self) -> Iterator[Event]: ...

    def cancel(self) -> None:
        """Ask the slot to stop at its next denoising step; the slot stays alive with its model."""


class Executor(Protocol):
    """The GPU slots of a cluster, as the dispatcher drives them."""

    def refresh(self) -> list[SlotInfo]:
        """Every ready slot, after starting new ones for GPUs that joined and dropping dead ones."""

    def ping(self, slot: SlotInfo, timeout: float) -> str | None:
        """The slot's loaded model (None if none) once it is idle; raises SlotLost if it is dead or
        still busy after `timeout` seconds."""

    def submit(self, slot: SlotInfo, request: RenderRequest) -> RenderStream: ...

    def restart(self, slot: SlotInfo) -> None:
        """Kill the slot's renderer (a render that ignores cancellation); `refresh` starts a new one."""

    def close(self) -> None: ...
