"""RenderActor: the renderer that lives on a GPU host, one per GPU, keeping its pipeline warm between
jobs. The dispatcher on the bot host creates it as a Ray actor (`num_gpus=1`, see
`renderqueue.ray_executor`); nothing here imports Ray at module level, so the class also runs, and is
tested, as a plain object.

`render` is a generator: Ray streams what it yields back to the caller (an actor generator task,
https://docs.ray.io/en/latest/ray-core/ray-generator.html). `ray.cancel` on that stream raises
GeneratorExit at the next yield; the render thread then stops at its next denoising step, and the
actor stays alive with its model loaded.
"""

from __future__ import annotations

import os
import queue
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from generation.encoding import encode_mp4
from generation.pipelines import PipelineCache
from generation.recipe import ShotRender
from generation.render import render_shot
from renderqueue.remote import Event, Loaded, Progress, RenderRequest, Shot

# Set by `reelbot gpu-node` on a GPU host; Ray workers inherit the environment of `ray start`.
MODELS_DIR_ENV = "REELBOT_MODELS_DIR"
_DONE = object()


class RenderActor:
    """Renders shots to mp4 bytes on this host's GPU.

    `models_dir`: the bot host's model folder, used unless this host set REELBOT_MODELS_DIR.
    `progress_interval`: seconds between Progress events (the last step of a shot is always sent);
    the stream also repeats the latest one at twice this interval while nothing else happens (a model
    load, a decode), so a cancel is seen within about that time. `shot_renderer`: the function that
    turns a recipe into frames, `generation.render.render_shot`, replaceable in tests.
    """

    def __init__(
        self,
        models_dir: str,
        device: str | None = None,
        *,
        progress_interval: float = 0.25,
        shot_renderer: Callable = render_shot,
    ) -> None:
        self.pipelines = PipelineCache(Path(os.environ.get(MODELS_DIR_ENV, models_dir)), device=device)
        self.progress_interval = progress_interval
        self._render_shot = shot_renderer

    def info(self) -> dict:
        """Where this actor runs: host name, pid, Ray node id (None outside Ray), device, loads so far."""
        node_id = None
        try:
            import ray

            if ray.is_initialized():
                node_id = ray.get_runtime_context().get_node_id()
        except ImportError:
            pass
        return {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "node_id": node_id,
            "device": self.pipelines.device,
            "loads": self.pipelines.loads,
        }

    def loaded_model(self) -> str | None:
        """The preset most recently used, if any is loaded."""
        loaded = self.pipelines.loaded()
        return loaded[-1].split(":")[0] if loaded else None

    def render(self, request: RenderRequest) -> Iterator[Event]:
        """Render `request.shots` in order, yielding Loaded, Progress and Shot events; raises what the
        render raises (RenderError subclasses)."""
        events: queue.Queue = queue.Queue()
        cancel = threading.Event()
        worker = threading.Thread(
            target=self._render_all, args=(request, events, cancel), daemon=True
        )
        worker.start()
        latest: Event | None = None
        try:
            while True:
                try:
                    event = events.get(timeout=2 * self.progress_interval)
                except queue.Empty:
                    if latest is not None:
                        yield latest  # keeps the stream responsive to ray.cancel while nothing moves
                    continue
                if event is _DONE:
                    return
                if isinstance(event, BaseException):
                    raise event
                if not isinstance(event, Shot):
                    latest = event
                yield event
        finally:
            cancel.set()
            worker.join()

    def _render_all(self, request: RenderRequest, events: queue.Queue, cancel: threading.Event) -> None:
        try:
            with tempfile.TemporaryDirectory(prefix="reelbot-shots-") as scratch:
                for position, task in enumerate(request.shots):
                    recipe = ShotRender.from_dict(task.recipe)
                    if task.init_image is not None:
                        image = Path(scratch) / f"init-{task.index}.png"
                        image.write_bytes(task.init_image)
                        recipe = replace(recipe, init_image=str(image))
                    events.put(Progress(task.index, 0, recipe.steps))  # something to repeat during a load
                    if position == 0:
                        events.put(self._load(recipe))
                    events.put(self._render_one(task.index, recipe, Path(scratch), events, cancel))
            events.put(_DONE)
        except BaseException as error:  # handed to the stream, which raises it to the caller
            events.put(error)

    def _load(self, recipe: ShotRender) -> Loaded:
        i2v = recipe.init_image is not None
        if self.pipelines.has_loaded(recipe.model):
            self.pipelines.get(recipe.model, i2v=i2v)  # derives the i2v pipeline from the loaded weights
            return Loaded(recipe.model, None)
        started = time.monotonic()
        self.pipelines.get(recipe.model, i2v=i2v)
        return Loaded(recipe.model, time.monotonic() - started)

    def _render_one(
        self, index: int, recipe: ShotRender, scratch: Path, events: queue.Queue, cancel: threading.Event
    ) -> Shot:
        last_sent = 0.0

        def on_step(done: int, steps: int) -> None:
            nonlocal last_sent
            now = time.monotonic()
            if done == steps or now - last_sent >= self.progress_interval:
                last_sent = now
                events.put(Progress(index, done, steps))

        self.pipelines.get(recipe.model, i2v=recipe.init_image is not None)  # keep loading out of gpu_seconds
        started = time.monotonic()
        frames = self._render_shot(recipe, self.pipelines, on_step=on_step, should_cancel=cancel.is_set)
        gpu_seconds = time.monotonic() - started
        recipe_hash = recipe.content_hash()
        path = encode_mp4(frames, recipe.fps, scratch / f"{recipe_hash}.mp4")
        try:
            return Shot(index, recipe_hash, path.read_bytes(), gpu_seconds)
        finally:
            path.unlink(missing_ok=True)
