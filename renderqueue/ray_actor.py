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


from generation.assemble import continued_from, load_pipelines, render_segments
from generation.encoding import encode_mp4
from generation.errors import PipelineError
from generation.fast_paths import pipeline_preset
from generation.pipelines import PipelineCache
from generation.recipe import ShotRender
from generation.render import render_shot
from renderqueue.remote import Event, Loaded, Progress, RenderRequest, Shot, ShotTask
from renderqueue.settings import AccelSettings

# Set by `reelbot gpu-node` on a GPU host; Ray workers inherit the environment of `ray start`.
MODELS_DIR_ENV = "REELBOT_MODELS_DIR"
_DONE = object()


class RenderActor:
    """Renders shots to mp4 bytes on this host's GPU.

    `models_dir`: the bot host's model folder, used unless this host set REELBOT_MODELS_DIR.
    `progress_interval`: seconds between Progress events (the last step of a shot is always sent);
    the stream also repeats the latest one at twice this interval while nothing else happens (a model
    load, a decode), so a cancel is seen within about that time. `shot_renderer`: the function that
    renders one generation of a shot, `generation.render.render_shot`, replaceable in tests.
    """

    def __init__(
        self,
        models_dir: str,
        device: str | None = None,
        *,
        progress_interval: float = 0.25,
        shot_renderer: Callable = render_shot,
        accel: dict | None = None,
    ) -> None:
        settings = AccelSettings(**(accel or {}))
        self.pipelines = PipelineCache(Path(os.environ.get(MODELS_DIR_ENV, models_dir)), device=device,
                                       accel=settings.acceleration())  # fmt: skip
        if settings.warm_up:
            self.pipelines.warm_up(settings.warm_up)
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
                rendered: dict[str, Path] = {}  # this request's shot files by recipe hash, for continuations
                for position, task in enumerate(request.shots):
                    recipe = ShotRender.from_dict(task.recipe)
                    if task.init_image is not None:
                        image = Path(scratch) / f"init-{task.index}.png"
                        image.write_bytes(task.init_image)
                        recipe = replace(recipe, init_image=str(image))
                    if task.references:
                        pictures = [Path(scratch) / f"{digest}.png" for digest, _data in task.references]
                        for path, (_digest, data) in zip(pictures, task.references, strict=True):
                            path.write_bytes(data)
                        recipe = replace(recipe, references=tuple(map(str, pictures)))
                    events.put(Progress(task.index, 0, recipe.steps))  # something to repeat during a load
                    if position == 0:
                        events.put(self._load(recipe))
                    shot, path = self._render_one(task, recipe, Path(scratch), rendered, events, cancel)
                    rendered[shot.recipe_hash] = path
                    events.put(shot)
            events.put(_DONE)
        except BaseException as error:  # handed to the stream, which raises it to the caller
            events.put(error)

    def _load(self, recipe: ShotRender) -> Loaded:
        loaded = self.pipelines.has_loaded(pipeline_preset(recipe))
        started = time.monotonic()
        load_pipelines(recipe, self.pipelines)  # an i2v pipeline derives from weights already loaded
        return Loaded(recipe.model, None if loaded else time.monotonic() - started)

    def _render_one(
        self,
        task: ShotTask,
        recipe: ShotRender,
        scratch: Path,
        rendered: dict[str, Path],
        events: queue.Queue,
        cancel: threading.Event,
    ) -> tuple[Shot, Path]:
        """Render one shot as `generation.assemble.render_shots` does (continuation, segments); returns
        its Shot event and its file in `scratch`."""
        last_sent = 0.0

        def on_step(done: int, steps: int) -> None:
            nonlocal last_sent
            now = time.monotonic()
            if done == steps or now - last_sent >= self.progress_interval:
                last_sent = now
                events.put(Progress(task.index, done, steps))

        recipe_hash = recipe.content_hash()
        load_pipelines(recipe, self.pipelines)  # keep loading out of gpu_seconds
        if recipe.continues_from is not None:
            recipe = self._continued(task, recipe, scratch, rendered)
        started = time.monotonic()
        frames = render_segments(recipe, self.pipelines, scratch, on_step=on_step, should_cancel=cancel.is_set,
                                 render=self._render_shot)  # fmt: skip
        gpu_seconds = time.monotonic() - started
        path = encode_mp4(frames.to_bytes(), recipe.fps, scratch / f"{recipe_hash}.mp4")
        return Shot(task.index, recipe_hash, path.read_bytes(), gpu_seconds), path

    @staticmethod
    def _continued(task: ShotTask, recipe: ShotRender, scratch: Path, rendered: dict[str, Path]) -> ShotRender:
        """The continuing shot's recipe, starting from the previous shot's last frame: sent by the bot
        host, or taken from the previous shot rendered earlier in this request."""
        if task.start_frame is not None:
            frame = scratch / f"last-frame-{task.index:02d}.png"
            frame.write_bytes(task.start_frame)
            return replace(recipe, init_image=str(frame), continues_from=None)
        previous = rendered.get(task.previous) if task.previous is not None else None
        if previous is None:
            raise PipelineError(
                "A shot of this clip continues from a shot that never reached its GPU host; it will be tried again.",
                detail=f"shot {task.index} continues from {task.previous}, neither rendered here nor sent",
            )
        return continued_from(recipe, previous, scratch, task.index)
