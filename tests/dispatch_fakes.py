"""A scripted stand-in for a cluster of GPU slots, so the dispatcher's logic runs without Ray."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np

from generation.encoding import encode_mp4
from generation.recipe import ShotRender
from renderqueue.dispatcher import Dispatcher
from renderqueue.worker_config import WorkerConfig
from renderqueue.remote import Event, Loaded, Progress, RenderRequest, Shot, SlotInfo, SlotLost


def tiny_mp4(tmp_dir: Path) -> bytes:
    """A real 64x64, 5-frame mp4, as a slot would send for a tiny shot."""
    frames = np.random.default_rng(0).integers(0, 255, (5, 64, 64, 3), dtype=np.uint8)
    return encode_mp4(frames, 8, tmp_dir / "shot.mp4").read_bytes()


class FakeStream:
    """Plays `script(stream, request)`'s events; `cancel()` makes the next event raise RenderCancelled
    unless the script ignores it (a hung render)."""

    def __init__(self, script: Callable[["FakeStream", RenderRequest], Iterator[Event]], request: RenderRequest):
        self.script = script
        self.request = request
        self.cancelled = threading.Event()

    def __iter__(self) -> Iterator[Event]:
        yield from self.script(self, self.request)

    def cancel(self) -> None:
        self.cancelled.set()


class FakeExecutor:
    """Slots that render with `script` (default: `render_all`, instant). Records what was submitted
    where, and which slots were restarted; `lose(slot_id)` makes a slot die."""

    def __init__(self, slots: list[SlotInfo], mp4: bytes, script: Callable | None = None) -> None:
        self.slots = {slot.id: slot for slot in slots}
        self.mp4 = mp4
        self.script = script or render_all()
        self.lost: set[str] = set()
        self.loaded: dict[str, str | None] = {}
        self.submitted: list[tuple[str, RenderRequest]] = []
        self.streams: list[FakeStream] = []
        self.restarted: list[str] = []
        self.closed = False

    def refresh(self) -> list[SlotInfo]:
        return [slot for slot_id, slot in self.slots.items() if slot_id not in self.lost]

    def ping(self, slot: SlotInfo, timeout: float) -> str | None:
        if slot.id in self.lost:
            raise SlotLost(f"{slot.id} is gone")
        return self.loaded.get(slot.id)

    def submit(self, slot: SlotInfo, request: RenderRequest) -> FakeStream:
        if slot.id in self.lost:
            raise SlotLost(f"{slot.id} is gone")
        self.submitted.append((slot.id, request))
        stream = FakeStream(lambda s, r: self.script(self, slot, s, r), request)
        self.streams.append(stream)
        return stream

    def restart(self, slot: SlotInfo) -> None:
        self.restarted.append(slot.id)
        self.lost.add(slot.id)

    def lose(self, slot_id: str) -> None:
        self.lost.add(slot_id)

    def close(self) -> None:
        self.closed = True


def render_all(*, step_delay: float = 0.0, steps: int = 2, shot_hook: Callable | None = None) -> Callable:
    """A script that loads 'the model' once per slot, reports every step and sends every shot.
    `shot_hook(executor, slot, index)` runs before each shot is sent (it may raise, e.g. SlotLost)."""

    def script(executor: FakeExecutor, slot: SlotInfo, stream: FakeStream, request: RenderRequest) -> Iterator[Event]:
        from generation.errors import RenderCancelled

        model = ShotRender.from_dict(request.shots[0].recipe).model
        first = executor.loaded.get(slot.id) != model
        executor.loaded[slot.id] = model
        yield Loaded(model, 0.5 if first else None)
        for task in request.shots:
            for step in range(1, steps + 1):
                if stream.cancelled.is_set():
                    raise RenderCancelled("The render was cancelled.")
                time.sleep(step_delay)
                yield Progress(task.index, step, steps)
            if shot_hook is not None:
                shot_hook(executor, slot, task.index)
            recipe_hash = ShotRender.from_dict(task.recipe).content_hash()
            yield Shot(task.index, recipe_hash, executor.mp4, 0.25)

    return script


def wait_for(predicate, timeout: float = 10.0, what: str = "condition"):
    ends = time.monotonic() + timeout
    while time.monotonic() < ends:
        if value := predicate():
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@contextmanager
def dispatching(config: WorkerConfig, executor) -> Iterator[Dispatcher]:
    dispatcher = Dispatcher(config, executor, refresh_interval=0.02).start()
    try:
        yield dispatcher
    finally:
        dispatcher.stop(timeout=10)


def with_settings(config: WorkerConfig, **changes: object) -> WorkerConfig:
    """`config` with some of its worker settings changed (`job_timeout_s=0.3`)."""
    return replace(config, settings=config.settings.model_copy(update=changes))
