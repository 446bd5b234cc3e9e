"""How a render worker behaves: defined once here, read from the `[worker]` table of reelbot.toml (or
`REELBOT_WORKER__<KEY>` environment variables) by `studio.config`, and handed to every worker, in-process or
in a subprocess, unchanged. Durations are seconds."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from generation.accel import ATTENTION_CHOICES, Acceleration
from renderqueue.scheduler import DEFAULT_POLICY, SchedulerPolicy


class AccelSettings(BaseModel):
    """`[worker.accel]`: the opt-in CUDA fast paths of a render host (generation.accel), each skipped on a CPU.

    `compile`: regional torch.compile of the transformer's repeated blocks (CogVideoX: the whole transformer).
    `attention`: "native" (PyTorch SDPA), "auto" (FlashAttention 3 on Hopper, else 2, when installed) or a
    diffusers attention backend (`ATTENTION_CHOICES`). `channels_last`: the VAE in channels-last memory
    format. `fuse_lora`: fold a draft's LoRA into the weights for its shot (finals afterwards may differ in
    the last bits). `warm_up`: presets the worker loads when it starts, compiling them at their native size
    when `compile` is on, so no member's request waits for that.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    compile: bool = False
    attention: str = "native"
    channels_last: bool = False
    fuse_lora: bool = False
    warm_up: tuple[str, ...] = ()

    @field_validator("attention")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if value not in ATTENTION_CHOICES:
            raise ValueError(f"expected one of {', '.join(ATTENTION_CHOICES)}")
        return value

    @field_validator("warm_up", mode="before")
    @classmethod
    def _known_presets(cls, value: object) -> object:
        from generation.registry import PRESETS, canonical_name

        names = [name.strip() for name in value.split(",") if name.strip()] if isinstance(value, str) else value
        unknown = [name for name in names or () if canonical_name(name) not in PRESETS]
        if unknown:
            raise ValueError(f"unknown preset {', '.join(unknown)}")
        return tuple(canonical_name(name) for name in names or ())

    def acceleration(self) -> Acceleration:
        return Acceleration(compile=self.compile, attention=self.attention, channels_last=self.channels_last,
                            fuse_lora=self.fuse_lora)  # fmt: skip


class WorkerSettings(BaseModel):
    """Every field is validated: durations must be positive, unknown keys are refused.

    `device`: torch device for rendering ("cuda", "cuda:1", "cpu"); None picks cuda when available.
    `poll_interval_s`: how often an idle worker looks for new jobs.
    `heartbeat_interval_s`: how often a busy worker proves it is alive (and learns of a cancel).
    `stale_after_s`: a running job whose heartbeat is this old belongs to a dead worker and is re-queued.
    `job_timeout_s`: the longest one job may render before it is stopped and failed.
    `progress_interval_s`: the least time between two writes of a job's progress. The render only hands
    its latest progress to the job's watch thread, which writes it (a new stage, or the end, at once) beside
    the heartbeats; the render never waits on the database. 0 writes every report.
    `hang_grace_s`: how long past `job_timeout_s` a render that ignores cancellation may run before the
    worker process exits (a hung kernel cannot be interrupted from Python; the supervisor restarts it).
    `retry_backoff_s`, `retry_backoff_max_s`: after a transient fault outside the render (the media folder
    can't be written, another program holds the database) the job goes back to the queue without using an
    attempt and the worker waits `retry_backoff_s` before claiming again, doubling while faults repeat, up
    to `retry_backoff_max_s`.
    `policy`: the fair scheduler's knobs (see `renderqueue.scheduler.SchedulerPolicy`).
    `accel`: the opt-in CUDA fast paths and the presets warmed up at start (`AccelSettings`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    device: str | None = None
    poll_interval_s: float = Field(1.0, gt=0)
    heartbeat_interval_s: float = Field(2.0, gt=0)
    stale_after_s: float = Field(30.0, gt=0)
    job_timeout_s: float = Field(1800.0, gt=0)
    progress_interval_s: float = Field(0.5, ge=0)
    hang_grace_s: float = Field(60.0, gt=0)
    retry_backoff_s: float = Field(2.0, gt=0)
    retry_backoff_max_s: float = Field(300.0, gt=0)
    policy: SchedulerPolicy = DEFAULT_POLICY
    accel: AccelSettings = AccelSettings()
