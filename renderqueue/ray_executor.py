"""GPU slots on a Ray cluster: one `RenderActor` per GPU (`num_gpus=1`), driven by the dispatcher.

Only imported with `[cluster] backend = "ray"` (the `reelbot[cluster]` extra installs Ray). Ray
carries one job at a time to each actor, streams its events back, cancels, and reports lost actors and
nodes; what runs next is still decided by our scheduler (see `renderqueue.dispatcher`).
Ray APIs used: actors and actor generator tasks (https://docs.ray.io/en/latest/ray-core/actors.html,
https://docs.ray.io/en/latest/ray-core/ray-generator.html), `ray.cancel`, `ray.kill`, `ray.nodes`.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import ray
from ray._private import ray_constants
from ray.exceptions import GetTimeoutError, RayActorError, RayError, RayTaskError, TaskCancelledError

from generation.errors import PipelineError, RenderCancelled, RenderError
from renderqueue.cluster import ClusterConfig, presets_from_resources
from renderqueue.dispatcher import Dispatcher
from renderqueue.ray_actor import RenderActor
from renderqueue.remote import Event, RenderRequest, SlotInfo, SlotLost
from renderqueue.worker_config import WorkerConfig

log = logging.getLogger(__name__)

NAMESPACE = "reelbot"
# Ray turns 127.0.0.1 into this machine's interface address wherever it is given (`ray.init`'s
# `_node_ip_address`, `ray start --node-ip-address`, the address joined), so a driver pinned that way waits
# for a node at an address no node has. Its single-host mode, the default on macOS and Windows, is the one
# switch that keeps every process and port of a one-machine cluster on loopback (Ray 2.60,
# ray/_private/services.py get_node_ip_address).
SINGLE_HOST_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


@dataclass
class _Actor:
    handle: ray.actor.ActorHandle
    slot: SlotInfo | None = None


class RayStream:
    """One actor generator task, its errors translated to the dispatcher's terms (see RenderStream)."""

    def __init__(self, generator: ray.ObjectRefGenerator, on_lost: Callable[[], None]) -> None:
        self._generator = generator
        self._on_lost = on_lost

    def __iter__(self) -> Iterator[Event]:
        try:
            for ref in self._generator:
                yield ray.get(ref)
        except TaskCancelledError as error:
            raise RenderCancelled("The render was cancelled.", detail=repr(error)) from error
        except RayActorError as error:
            self._on_lost()
            raise SlotLost(repr(error)) from error
        except RayTaskError as error:
            cause = getattr(error, "cause", None)
            if isinstance(cause, RenderError):
                raise cause from error
            raise PipelineError("The GPU host failed while rendering this clip.", detail=str(error)) from error
        except RayError as error:  # the node or the objects it held are gone
            self._on_lost()
            raise SlotLost(repr(error)) from error

    def cancel(self) -> None:
        ray.cancel(self._generator)


class RayExecutor:
    """Keeps one RenderActor per GPU in the cluster and exposes them as dispatcher slots.

    `models_dir`: the bot host's model folder (a GPU host started with `reelbot gpu-node --models`
    uses its own). `device`: torch device inside actors (default: cuda when the actor sees a GPU).
    `max_actors`: cap on actors (None: one per GPU of the cluster). `actor_options`: extra
    `RenderActor` keyword arguments (progress interval, a stand-in shot renderer in tests).
    """

    def __init__(
        self,
        models_dir: Path,
        *,
        device: str | None = None,
        max_actors: int | None = None,
        actor_options: dict | None = None,
    ) -> None:
        self.models_dir = str(Path(models_dir).resolve())
        self.device = device
        self.max_actors = max_actors
        self.actor_options = actor_options or {}
        self._actor_class = ray.remote(num_gpus=1, max_restarts=0)(RenderActor)
        self._token = uuid.uuid4().hex[:6]
        self._serial = 0
        self._lock = threading.Lock()
        self._pending: dict[ray.ObjectRef, _Actor] = {}
        self._ready: dict[str, _Actor] = {}

    def refresh(self) -> list[SlotInfo]:
        """Start an actor for every GPU without one, then return every actor that is up."""
        with self._lock:
            gpus = int(ray.cluster_resources().get("GPU", 0))
            wanted = gpus if self.max_actors is None else min(gpus, self.max_actors)
            while len(self._pending) + len(self._ready) < wanted:
                actor = _Actor(self._actor_class.remote(self.models_dir, self.device, **self.actor_options))
                self._pending[actor.handle.info.remote()] = actor
            if self._pending:
                done, _ = ray.wait(list(self._pending), num_returns=len(self._pending), timeout=0)
                for ref in done:
                    self._adopt(self._pending.pop(ref), ref)
            return [actor.slot for actor in self._ready.values() if actor.slot is not None]

    def _adopt(self, actor: _Actor, info_ref: ray.ObjectRef) -> None:
        try:
            info = ray.get(info_ref)
        except RayError as error:
            log.warning("a render actor died while starting: %r", error)
            return
        self._serial += 1
        resources = next((node["Resources"] for node in ray.nodes() if node["NodeID"] == info["node_id"]), {})
        actor.slot = SlotInfo(
            id=f"ray-{self._token}-{self._serial}",
            host=info["host"],
            pid=info["pid"],
            presets=presets_from_resources(resources),
            node=info["node_id"],
        )
        self._ready[actor.slot.id] = actor

    def actor(self, slot: SlotInfo) -> ray.actor.ActorHandle:
        """The slot's actor handle (operators' tools and tests)."""
        return self._ready[slot.id].handle

    def ping(self, slot: SlotInfo, timeout: float) -> str | None:
        actor = self._ready.get(slot.id)
        if actor is None:
            raise SlotLost(f"slot {slot.id} was dropped")
        try:
            return ray.get(actor.handle.loaded_model.remote(), timeout=timeout)
        except GetTimeoutError as error:
            raise TimeoutError(f"slot {slot.id} still busy after {timeout:g} s") from error
        except RayError as error:
            self._drop(slot)
            raise SlotLost(repr(error)) from error

    def submit(self, slot: SlotInfo, request: RenderRequest) -> RayStream:
        actor = self._ready.get(slot.id)
        if actor is None:
            raise SlotLost(f"slot {slot.id} was dropped")
        return RayStream(actor.handle.render.remote(request), lambda: self._drop(slot))

    def restart(self, slot: SlotInfo) -> None:
        """Kill the slot's actor; the next refresh starts a fresh one on the freed GPU."""
        self._drop(slot)

    def _drop(self, slot: SlotInfo) -> None:
        with self._lock:
            actor = self._ready.pop(slot.id, None)
        if actor is not None:
            _kill(actor)

    def close(self) -> None:
        with self._lock:
            actors = list(self._ready.values()) + list(self._pending.values())
            self._ready.clear()
            self._pending.clear()
        for actor in actors:
            _kill(actor)


def _kill(actor: _Actor) -> None:
    """Kill an actor that is stuck or unreachable (it may still hold its GPU); one already gone is fine."""
    try:
        ray.kill(actor.handle, no_restart=True)
    except (RayError, ValueError) as error:
        log.info("render actor already gone: %r", error)


def bind_to_loopback() -> None:
    """Keep the Ray nodes this process starts on 127.0.0.1, out of reach of other machines: for a
    private one-machine cluster (`address = ""`). Call before they start; processes started from here
    inherit it through the environment."""
    os.environ[SINGLE_HOST_ENV] = "0"
    ray_constants.ENABLE_RAY_CLUSTER = False  # read when Ray was imported; looked up at each use


def ray_dispatcher(base: WorkerConfig, cluster: ClusterConfig) -> Dispatcher:
    """A Dispatcher over the Ray cluster at `cluster.address` (not started); joins it if this process
    has not already. With no address, it starts a private cluster of this machine's GPUs, on loopback."""
    if not ray.is_initialized():
        if not cluster.address:
            bind_to_loopback()
        # "local" starts a new cluster even where `ray start` left one running (None would join it).
        ray.init(address=cluster.address or "local", namespace=NAMESPACE)
    models_dir = cluster.models_dir or base.models_dir
    executor = RayExecutor(models_dir, device=base.settings.device, max_actors=cluster.max_gpus or None,
                           actor_options={"accel": base.settings.accel.model_dump()})  # fmt: skip
    return Dispatcher(base, executor, refresh_interval=cluster.refresh_interval_s)
