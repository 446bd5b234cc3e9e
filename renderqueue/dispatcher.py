"""The dispatcher: on the bot host, one virtual render worker per remote GPU slot.

SQLite on the bot host stays the single source of truth and `claim_next` the single claim point, so
the fair scheduler decides for remote GPUs exactly as for local workers. For each idle slot the
dispatcher claims the next job (passing the slot's loaded model for affinity and the presets its host
serves), sends the shots missing from the render cache, and turns the slot's event stream into
progress and heartbeat writes and render-cache entries as each shot arrives, so a retry resumes from
them. Stitching and the storyboard then run here, through the same `render_clip` as the local
worker, with every shot already cached. Outcomes are recorded by the worker's own functions
(`record_success`, `record_failure`, `record_cancelled`), so both paths fail, retry and shrink alike.

Delivery is at-least-once: a slot that dies mid-job (actor crash, node lost) re-queues the job with
its attempt counted; shots are keyed by recipe hash, so a duplicate is harmless.
"""

from __future__ import annotations

import io
import logging
import tempfile
import threading
from dataclasses import replace
from pathlib import Path

import sqlite_utils
from PIL import Image

from common.errors import N_
from common.files import write_atomically
from common.text import Text
from generation import assemble
from generation.encoding import frame_png
from generation.errors import PipelineError, RenderCancelled
from generation.frames import Frames
from generation.recipe import ShotRender, picture_digest
from generation.registry import validate_recipe
from generation.render import StepCallback
from generation.stills import render_still
from renderqueue.jobs import claim_next, requeue_stale, requeue_vanished
from renderqueue.remote import (
    Executor,
    Loaded,
    Progress,
    RenderRequest,
    RenderStream,
    Shot,
    ShotTask,
    SlotInfo,
    SlotLost,
)
from renderqueue.finishing import record_success
from renderqueue.job_watch import JobWatch, MonotonicProgress, ProgressWriter, fail_hung
from renderqueue.outcomes import record_cancelled, record_failure
from renderqueue.render_cache import RenderCacheAccess
from renderqueue.claims import renderable_clip
from renderqueue.rendering import board_words, captions, clip_dir
from renderqueue.stills_job import run_stills_job
from renderqueue.worker_config import WorkerConfig
from storage.db import open_db
from storage.records import RenderJob
from storage.workers import register_worker, unregister_worker, worker_heartbeat

log = logging.getLogger(__name__)

# Share of the progress bar for rendering shots, as in `generation.assemble.render_clip`; stitching and
# the storyboard on the bot host fill the rest.
RENDER_SHARE = 0.9


class _NoGpuHere:
    """`render_clip`'s pipelines on the bot host, where every shot is in the render cache by the time
    it stitches: a request for a model means a shot went missing, which a retry repairs."""

    device = "none"

    def loaded(self) -> list[str]:
        return []

    def get(self, name: str, *, i2v: bool = False) -> None:
        raise PipelineError(
            "A shot of this clip never came back from its GPU host; it will be tried again.",
            detail=f"render_clip asked the bot host for {name}{' (i2v)' if i2v else ''}",
        )


class _Call:
    """The stream of the job in flight, cancellable from the watch thread before or after it starts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stream: RenderStream | None = None
        self._cancelled = False

    def start(self, stream: RenderStream) -> RenderStream:
        with self._lock:
            self._stream = stream
            cancelled = self._cancelled
        if cancelled:
            stream.cancel()
        return stream

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            stream = self._stream
        if stream is not None:
            stream.cancel()


class SlotRunner:
    """The virtual worker of one GPU slot: claim, submit, follow the stream, record; until the slot is
    lost or the dispatcher stops. Its worker id is the slot's id."""

    def __init__(self, slot: SlotInfo, executor: Executor, base: WorkerConfig, stop: threading.Event) -> None:
        self.slot = slot
        self.executor = executor
        self.config = replace(base, worker_id=slot.id)
        self.stop = stop
        self.loaded: str | None = None
        self.thread = threading.Thread(target=self._run, name=f"slot-{slot.id}", daemon=True)

    def _run(self) -> None:
        db = open_db(self.config.db_path)
        register_worker(db, self.slot.id, host=self.slot.host, pid=self.slot.pid)
        log.info("GPU slot %s on %s joined (presets: %s)", self.slot.id, self.slot.host, _presets(self.slot))
        try:
            while not self.stop.is_set() and self._idle_and_alive():
                requeue_stale(db, self.config.settings.stale_after_s)
                job = claim_next(
                    db,
                    self.slot.id,
                    loaded_model=self.loaded,
                    policy=self.config.settings.policy,
                    models=self.slot.presets,
                )
                if job is None:
                    worker_heartbeat(db, self.slot.id, loaded_model=self.loaded, job_id=None)
                    self.stop.wait(self.config.settings.poll_interval_s)
                    continue
                self.run_job(db, job)
        except Exception:
            log.exception("GPU slot %s: dispatcher error; the slot will be picked up again", self.slot.id)
        finally:
            unregister_worker(db, self.slot.id)
            db.close()

    def _idle_and_alive(self) -> bool:
        """Wait until the slot is free (a cancelled render finishes its step); False once it is lost.
        A slot still busy `hang_grace_s` seconds later is stuck in a render and gets restarted."""
        try:
            self.loaded = self.executor.ping(self.slot, self.config.settings.hang_grace_s)
            return True
        except SlotLost as error:
            log.warning("GPU slot %s is gone: %s", self.slot.id, error)
        except TimeoutError:
            log.error("GPU slot %s stayed busy after its render was stopped; restarting it", self.slot.id)
            self.executor.restart(self.slot)
        return False

    def run_job(self, db: sqlite_utils.Database, job: RenderJob) -> None:
        """Render one claimed job on this slot and record how it ended; never raises for render failures."""
        if job.kind == "stills":
            self.run_stills(db, job)
            return
        found = renderable_clip(db, job, self.config)
        if found is None:
            return
        clip, recipes = found
        cache = RenderCacheAccess(db, self.config.db_path, self.config.media_dir, recipes)
        progress = MonotonicProgress(ProgressWriter(db, job, self.config))
        call = _Call()
        log.info(
            "job %s: clip #%s, %d shots on GPU slot %s (attempt %d)",
            job.id, clip.id, len(recipes), self.slot.id, job.attempts,
        )  # fmt: skip

        def hung(watch_db: sqlite_utils.Database) -> None:
            log.error("job %s ignored its timeout on GPU slot %s; restarting the slot", job.id, self.slot.id)
            fail_hung(watch_db, job, self.config, "render did not stop after its timeout; its GPU actor was restarted")
            self.executor.restart(self.slot)

        out_dir = clip_dir(self.config, clip)
        with JobWatch(self.config, job, self.stop, lambda: self.loaded, on_stop=call.cancel, on_hung=hung) as watch:
            try:
                load_seconds = self._render_missing(job, recipes, cache, out_dir, progress, call, watch)
                # The same storyboard a local worker draws: headings, style line and words of the clip's own.
                words = board_words(clip)
                output = assemble.render_clip(
                    recipes,
                    captions(clip, recipes, words),
                    pipelines=_NoGpuHere(),  # type: ignore[arg-type]
                    out_dir=out_dir,
                    lookup=cache.lookup,
                    record=cache.record,
                    on_progress=progress,
                    should_cancel=watch.should_cancel,
                    title=clip.shot_list.get("title"),
                    subtitle=(clip.shot_list.get("bible") or {}).get("style"),
                    panel="take" if clip.remix_kind == "takes" else "shot",
                    words=words,
                )
            except SlotLost as error:
                self._slot_lost(db, job, error)
            except RenderCancelled as error:
                if watch.timed_out and not watch.lost.is_set():
                    record_failure(db, job, clip, recipes, self.config, watch.timeout_error())
                else:
                    lost, stopping = watch.lost.is_set(), watch.stop.is_set()
                    record_cancelled(db, job, self.config, error, lost=lost, stopping=stopping)
            except Exception as error:
                record_failure(db, job, clip, recipes, self.config, error)
            else:
                record_success(db, job, self.config, output, cache, load_seconds)

    def run_stills(self, db: sqlite_utils.Database, job: RenderJob) -> None:
        """A stills job on this slot: each still is a one-frame shot rendered by the GPU host (a still that
        starts from a member's picture is that picture, here), the rest as a local worker does it."""
        call = _Call()
        with JobWatch(self.config, job, self.stop, lambda: self.loaded, on_stop=call.cancel) as watch:

            def render(recipe: ShotRender, *, on_step: StepCallback | None = None, **_cancel: object) -> Frames:
                if recipe.init_image is not None:
                    return render_still(recipe, _NoGpuHere())  # type: ignore[arg-type]
                request = RenderRequest(job.id, (ShotTask(0, recipe.to_dict()),), 1)
                for event in call.start(self.executor.submit(self.slot, request)):
                    if isinstance(event, Loaded):
                        self.loaded = event.model
                    elif isinstance(event, Progress) and event.step and on_step is not None:
                        on_step(event.step, event.steps)
                    elif isinstance(event, Shot):
                        return Frames.of_images([Image.open(io.BytesIO(_first_frame_png(event.mp4)))])
                raise PipelineError("A still never came back from its GPU host; it will be tried again.",
                                    detail=f"slot {self.slot.id}")  # fmt: skip

            try:
                run_stills_job(db, job, None, self.config, self.stop, loaded=lambda: self.loaded, render=render,
                               watch=watch)  # fmt: skip
            except SlotLost as error:
                self._slot_lost(db, job, error)

    def _render_missing(
        self,
        job: RenderJob,
        recipes: list[ShotRender],
        cache: RenderCacheAccess,
        out_dir: Path,
        progress: MonotonicProgress,
        call: _Call,
        watch: JobWatch,
    ) -> float | None:
        """Render on the slot every shot the render cache lacks, recording each as it arrives.
        Returns the model's load time in seconds (None if it was loaded already or nothing was missing)."""
        for recipe in recipes:  # fail before spending GPU time on shot 1 if shot 4 is impossible
            validate_recipe(recipe)
        missing: dict[int, str] = {}
        for index, recipe in enumerate(recipes):
            recipe_hash = recipe.content_hash()
            if recipe_hash not in missing.values() and not cache.has(recipe):
                missing[index] = recipe_hash
        if not missing:
            return None
        if watch.should_cancel():
            raise RenderCancelled("The render was cancelled.")
        out_dir.mkdir(parents=True, exist_ok=True)
        request = RenderRequest(job.id, tuple(_task(recipes, index, missing, cache) for index in missing),
                                len(recipes))  # fmt: skip
        total = len(recipes)
        load_seconds = None
        received: set[int] = set()
        for event in call.start(self.executor.submit(self.slot, request)):
            if isinstance(event, Loaded):
                self.loaded, load_seconds = event.model, event.seconds
            elif isinstance(event, Progress):
                fraction = (event.index + event.step / max(1, event.steps)) / total
                label = f"Rendering shot {event.index + 1}/{total}"
                progress(RENDER_SHARE * fraction, f"{label} (step {event.step}/{event.steps})" if event.step else label)
            elif isinstance(event, Shot):
                if missing.get(event.index) != event.recipe_hash:
                    raise PipelineError(
                        "The GPU host sent back a shot this clip didn't ask for; it will be tried again.",
                        detail=f"shot {event.index} with hash {event.recipe_hash}, expected {missing.get(event.index)}",
                    )
                if event.index in received:
                    continue  # at-least-once delivery: the same shot twice changes nothing
                received.add(event.index)
                shot_path = out_dir / f"shot-{event.index + 1:02d}-{event.recipe_hash[:12]}.mp4"
                write_atomically(shot_path, event.mp4)
                cache.record(event.recipe_hash, shot_path, event.gpu_seconds)
                progress(RENDER_SHARE * (event.index + 1) / total, f"Rendered shot {event.index + 1}/{total}")
        if set(missing) - received:
            raise PipelineError(
                "A shot of this clip never came back from its GPU host; it will be tried again.",
                detail=f"shots {sorted(set(missing) - received)} missing from slot {self.slot.id}'s stream",
            )
        return load_seconds

    def _slot_lost(self, db: sqlite_utils.Database, job: RenderJob, error: SlotLost) -> None:
        """A lost GPU host or actor is a vanished worker, no failure of the job (`requeue_vanished`)."""
        log.warning("job %s: GPU slot %s lost (%s); re-queueing", job.id, self.slot.id, error)
        requeue_vanished(
            db, job.id, worker_id=self.slot.id,
            message=Text.of(N_("The GPU host rendering clip #{clip_id} went away; it will be tried again."),
                            clip_id=job.clip_id),
            gave_up=Text.of(N_("The GPU hosts rendering clip #{clip_id} went away {times} times, so Reelbot gave "
                               "up on it. Try a shorter clip or a lighter model."),
                            clip_id=job.clip_id, times=job.vanished + 1),
            detail=f"slot {self.slot.id} lost: {error}",
        )  # fmt: skip


class Dispatcher:
    """Runs a SlotRunner for every ready slot of `executor`, picking up slots as GPUs join.

    `base`: the worker settings every slot shares (database, media, timeouts, policy); `worker_id` is
    replaced by each slot's id. `refresh_interval`: seconds between looks for new or lost slots.
    """

    def __init__(self, base: WorkerConfig, executor: Executor, *, refresh_interval: float = 2.0) -> None:
        self.base = base
        self.executor = executor
        self.refresh_interval = refresh_interval
        self.runners: dict[str, SlotRunner] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="reelbot-dispatcher", daemon=True)

    def start(self) -> "Dispatcher":
        self._thread.start()
        return self

    def stop(self, timeout: float = 60.0) -> None:
        """Stop claiming; a job in flight is cancelled on its slot and handed back to the queue."""
        self._stop.set()
        self._thread.join(timeout)
        for runner in list(self.runners.values()):
            runner.thread.join(timeout)
        self.executor.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                slots = self.executor.refresh()
            except Exception:
                log.exception("could not list the cluster's GPU slots; trying again")
                slots = []
            for slot_id, runner in list(self.runners.items()):
                if not runner.thread.is_alive():
                    del self.runners[slot_id]
            for slot in slots:
                if slot.id not in self.runners and not self._stop.is_set():
                    runner = SlotRunner(slot, self.executor, self.base, self._stop)
                    self.runners[slot.id] = runner
                    runner.thread.start()
            self._stop.wait(self.refresh_interval)


def _task(recipes: list[ShotRender], index: int, missing: dict[int, str], cache: RenderCacheAccess) -> ShotTask:
    """Shot `index` as its GPU host needs it: the bytes of its starting picture, and for a shot continuing
    from the one before it, that shot's hash and (unless the same request renders it) its last frame, as
    `generation.assemble.render_shots` takes it. Raises PipelineError when that shot is not cached."""
    recipe = recipes[index]
    init_image = None if recipe.init_image is None else Path(recipe.init_image).read_bytes()
    references = tuple((picture_digest(path), Path(path).read_bytes()) for path in recipe.references)
    if recipe.continues_from is None or index == 0:
        return ShotTask(index, recipe.to_dict(), init_image, references=references)
    previous = recipes[index - 1].content_hash()
    if previous in missing.values():
        return ShotTask(index, recipe.to_dict(), init_image, previous, references=references)
    cached = cache.lookup(previous)
    if cached is None:
        raise PipelineError(
            "A shot of this clip continues from a shot that is no longer cached; it will be tried again.",
            detail=f"shot {index} continues from {previous}, missing from the render cache",
        )
    return ShotTask(index, recipe.to_dict(), init_image, previous, frame_png(cached, -1), references)


def _presets(slot: SlotInfo) -> str:
    return "any" if slot.presets is None else ", ".join(sorted(slot.presets)) or "none"


def _first_frame_png(mp4: bytes) -> bytes:
    """The first frame of a still's one-frame shot file, as PNG (what the bot host keeps as the still)."""
    with tempfile.NamedTemporaryFile(suffix=".mp4") as shot:
        shot.write(mp4)
        shot.flush()
        return frame_png(Path(shot.name), 0)
