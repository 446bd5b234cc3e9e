"""The shot encoder: rendered shots become H.264 files on a background thread while the GPU renders on.

Split from generation.assemble, which hands each shot's frames to it.
"""
from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from generation.encoding import encode_mp4
from generation.frames import Frames


class _NonFiniteFrames(Exception):
    """A shot's frames held NaN/inf pixels and were not encoded (`ShotEncoder.submit` with `verified`); never
    reaches a member: `render_shots` renders the shot again at a wider dtype."""


class ShotEncoder:
    """Encodes rendered shots on one background thread, so the GPU starts the next shot at once.

    Each queued encode holds its shot's frames (81 x 480 x 832 x 3 float32 = 388 MB for a Wan shot, in the
    "unit" form the pipeline returned them in: converting them to bytes is part of the background work), so at most
    `max_pending` are queued or running: `submit` waits for room beyond that. Shots still being
    encoded are found by recipe hash (`in_progress`), so a repeated recipe is never rendered twice even
    before the render cache has recorded it. Use as a context manager, or call `close`.
    """

    def __init__(self, max_pending: int = 2) -> None:
        if max_pending < 1:
            raise ValueError("max_pending must be at least 1")
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shot-encode")
        self._room = threading.BoundedSemaphore(max_pending)
        self._lock = threading.Lock()
        self._pending: dict[str, Future[Path]] = {}

    def submit(
        self,
        recipe_hash: str,
        frames: Frames,
        fps: float,
        path: Path,
        on_encoded: Callable[[Path], None],
        *,
        verified: Future[bool] | None = None,
    ) -> Future[Path]:
        """Encode `frames` (either form) to `path` in the background; `on_encoded(path)` runs on the
        encoder thread once the file is in place. The future raises what encoding or `on_encoded` raised.

        With `verified`, the frames are first checked for NaN/inf pixels (`Frames.finite`) on the encoder
        thread and the answer set on `verified`; frames that fail are not encoded (the future raises
        _NonFiniteFrames) and the caller renders the shot again."""
        self._room.acquire()
        mine: list[Future[Path]] = []

        def encode() -> Path:
            try:
                if verified is not None:
                    finite = frames.finite()
                    verified.set_result(finite)
                    if not finite:
                        raise _NonFiniteFrames(recipe_hash)
                done = encode_mp4(frames.to_bytes(), fps, path)
                on_encoded(done)
                return done
            except BaseException as error:
                if verified is not None and not verified.done():
                    verified.set_exception(error)
                raise
            finally:
                with self._lock:
                    if mine and self._pending.get(recipe_hash) is mine[0]:
                        del self._pending[recipe_hash]
                self._room.release()

        with self._lock:
            future = self._pool.submit(encode)
            mine.append(future)
            self._pending[recipe_hash] = future
        return future

    def in_progress(self, recipe_hash: str) -> Future[Path] | None:
        with self._lock:
            return self._pending.get(recipe_hash)

    def close(self) -> None:
        """Wait for queued encodes, then stop the thread."""
        self._pool.shutdown(wait=True)

    def __enter__(self) -> "ShotEncoder":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
