"""Records that cross the storage boundary. Plain dataclasses: storage knows nothing of prompts/ or
generation/, so shot lists and recipes stay JSON-shaped (dicts) and the studio layer converts them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from common.text import Text

ClipStatus = Literal["queued", "rendering", "ready", "failed", "cancelled", "deleted"]
JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]
ChallengeKind = Literal["vote", "relay"]
ChallengeStatus = Literal["open", "closed", "cancelled"]

JobKind = Literal["clip", "stills"]
StoryboardStatus = Literal["stills", "ready", "animating", "cancelled"]
StillStatus = Literal["queued", "ready", "failed"]

ACTIVE_JOB_STATUSES: tuple[JobStatus, ...] = ("queued", "running")
# Priority classes of the fair queue, best first: a request's stills (seconds of work) go ahead of
# drafts, drafts ahead of finals.
PRIORITY_STILLS = -1
PRIORITY_DRAFT = 0
PRIORITY_FINAL = 1


def _json(value: str | None, default: Any) -> Any:
    return default if value is None else json.loads(value)


@dataclass(frozen=True)
class User:
    """A member as storage knows them: transport id, last seen display name, remix opt-out, first seen (Unix s),
    the language they last spoke to the bot in (a catalog tag such as "zh-CN"; None when never heard), and
    whether they are told when someone remixes their clip."""

    id: int
    name: str
    remix_opt_out: bool
    created_at: float
    language: str | None = None
    remix_notices: bool = True

    @classmethod
    def from_row(cls, row: dict) -> "User":
        """From a `users` row."""
        return cls(row["id"], row["name"], bool(row["remix_opt_out"]), row["created_at"], row["language"],
                   bool(row["remix_notices"]))


@dataclass(frozen=True)
class Guild:
    """A server (Discord guild id; 0 for the console) and its last seen name."""

    id: int
    name: str
    created_at: float

    @classmethod
    def from_row(cls, row: dict) -> "Guild":
        """From a `guilds` row."""
        return cls(row["id"], row["name"], row["created_at"])


@dataclass(frozen=True)
class GuildSettings:
    """Per-guild settings with their defaults; storage/settings.py validates and persists overrides."""

    # Channel ids where requests are accepted; empty means every channel the bot can see.
    allowed_channels: list[int] = field(default_factory=list)
    # None means the bot-wide default model from the config file.
    default_model: str | None = None
    max_queued_per_user: int = 3
    max_queued_per_guild: int = 20
    safety_level: str = "standard"
    blocklist: list[str] = field(default_factory=list)
    allow_remix: bool = True
    # Bytes a posted file may have; Discord's default for servers without boosts.
    upload_limit: int = 10 * 1024 * 1024
    max_shots: int = 4
    # Draft takes of the first shot to choose from before a clip renders (1: none, straight to the clip).
    takes: int = 1
    # How drafts (draft:true, takes, relay turns) render: "fast" through their preset's fast path (a distilled
    # checkpoint or LoRA, else a cache hook; generation.fast_paths), "full" on the preset's own sampler at
    # half its steps. Finals always render in full.
    draft_quality: str = "fast"
    # Role ids (besides server admins) that may cancel others' jobs and run challenges.
    moderator_roles: list[int] = field(default_factory=list)
    # The web gallery: off, link (only through the signed links the bot posts) or public.
    gallery: str = "link"
    # The language of posts for everyone and the fallback for members, as a Discord locale ("zh-CN", "en-US");
    # None: the server's own Discord language. Members whose Discord language has a catalog get theirs.
    language: str | None = None
    # Storyboard first: every shot's still in seconds before any video. ask: wait for the member's Animate;
    # auto: animate after `stills_grace_s` unless the member acts; off: render the video at once. What
    # Animate renders at: final, or draft (fewer steps; Finalize then refines the picked clip). None: the
    # bot's configuration (`[stills]`, whose `first` is "ask").
    stills_first: str | None = None
    stills_grace_s: int | None = None
    animate_quality: str | None = None


@dataclass(frozen=True)
class Clip:
    """A clip: the request, its shot list and per-shot recipes (JSON), status, media paths, lineage (`parent_id`,
    `remix_kind`, `remix_note`) and where it is delivered (`transport`, `origin`). Times are Unix seconds."""

    id: int
    guild_id: int | None
    channel_id: int | None
    author_id: int
    author_name: str
    request: str
    shot_list: dict
    recipes: list[dict]
    captions: list[str]
    model: str
    status: ClipStatus
    video_path: str | None
    storyboard_path: str | None
    parent_id: int | None
    remix_kind: str | None
    remix_note: str | None
    origin: dict | None
    posted_message_id: int | None
    created_at: float
    # The front-end that delivers the clip ("discord", "console", ...).
    transport: str = "console"

    @classmethod
    def from_row(cls, row: dict) -> "Clip":
        """From a `clips` row (JSON columns decoded)."""
        return cls(
            id=row["id"],
            guild_id=row["guild_id"],
            channel_id=row["channel_id"],
            author_id=row["author_id"],
            author_name=row["author_name"],
            request=row["request"],
            shot_list=json.loads(row["shot_list"]),
            recipes=json.loads(row["recipes"]),
            captions=json.loads(row["captions"]),
            model=row["model"],
            status=row["status"],
            video_path=row["video_path"],
            storyboard_path=row["storyboard_path"],
            parent_id=row["parent_id"],
            remix_kind=row["remix_kind"],
            remix_note=row["remix_note"],
            origin=_json(row["origin"], None),
            posted_message_id=row["posted_message_id"],
            created_at=row["created_at"],
            transport=row["transport"],
        )


@dataclass(frozen=True)
class RenderJob:
    """The render job of one clip: queue status, priority class, cost estimate (work units), attempts, progress
    (0..1) and stage, the worker holding it and its heartbeat. Times are Unix seconds."""

    id: int
    clip_id: int
    user_id: int
    guild_id: int | None
    model: str
    priority: int
    status: JobStatus
    attempts: int
    max_attempts: int
    progress: float
    stage: str
    worker_id: str | None
    heartbeat_at: float | None
    error: str | None
    error_detail: str | None
    cost_estimate: float
    bypassed: int
    created_at: float
    started_at: float | None
    finished_at: float | None
    notified_at: float | None
    # How often the job's worker vanished mid-render (killed, crashed, host lost); counted apart from attempts.
    vanished: int = 0
    # "clip" renders the clip's video; "stills" renders its stills for approval (storage/stills.py).
    kind: JobKind = "clip"

    @property
    def reason(self) -> Text | None:
        """Why the job failed or waits, as a Text for the front-end to say in the member's language (a
        value stored before reasons were Texts reads as literal text); None when there is none."""
        return Text.loads(self.error)

    @classmethod
    def from_row(cls, row: dict) -> "RenderJob":
        """From a `jobs` row."""
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    @property
    def active(self) -> bool:
        """Queued or running: counts against queue limits and can be cancelled."""
        return self.status in ACTIVE_JOB_STATUSES


@dataclass(frozen=True)
class Storyboard:
    """A clip's storyboard of stills, before its video, and its author (`user_id`, `guild_id`): `mode` ask (waits for Animate) or auto (animates at
    `animate_at`, Unix s, unless the member acts), status (stills rendering, ready for approval, animating,
    cancelled), the `quality` Animate renders at, takes per shot, the seconds auto mode waits once the stills
    are ready (`grace_s`), and the stills board PNG once drawn."""

    clip_id: int
    user_id: int
    guild_id: int | None
    mode: str
    status: StoryboardStatus
    quality: str
    takes: int
    grace_s: float
    board_path: str | None
    animate_at: float | None
    updated_at: float

    @classmethod
    def from_row(cls, row: dict) -> "Storyboard":
        """From a `storyboards` row."""
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Still:
    """One still of a storyboard: shot and take (0-based), its recipe (JSON-shaped), status, whether it is the
    shot's picked take, the PNG once rendered, and why it failed (a `common.text.Text` as JSON)."""

    clip_id: int
    shot: int
    take: int
    recipe: dict
    status: StillStatus
    picked: bool
    path: str | None
    error: str | None

    @property
    def reason(self) -> Text | None:
        """Why the still failed, for the front-end to say in the member's language; None when it didn't."""
        return Text.loads(self.error)

    @classmethod
    def from_row(cls, row: dict) -> "Still":
        """From a `stills` row (recipe decoded from JSON)."""
        values = {name: row[name] for name in cls.__dataclass_fields__}
        return cls(**{**values, "recipe": json.loads(row["recipe"]), "picked": bool(row["picked"])})


@dataclass(frozen=True)
class Render:
    """A cached shot render: recipe hash, mp4 path, model, GPU seconds it took, cache hits, and the
    file's sha256 (hex; None for renders cached before checksums were kept)."""

    recipe_hash: str
    path: str
    model: str
    gpu_seconds: float
    hits: int
    created_at: float
    sha256: str | None = None

    @classmethod
    def from_row(cls, row: dict) -> "Render":
        """From a `renders` row."""
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class ModelStats:
    """What a model's renders measured: seconds per work unit (steps x frames x megapixels) and load time, for ETAs."""

    model: str
    seconds_per_unit: float
    load_seconds: float
    samples: int


class QueueEstimate(NamedTuple):
    """Where a job stands: position 0 means rendering now, 1 means next; seconds until it is done.
    `exact` is False deep in a long queue, where the position is a close estimate ("about")."""

    position: int
    eta_seconds: float
    exact: bool = True

    @property
    def place(self) -> str:
        """`position 4`, or `about position 840` when the position is an estimate."""
        return f"position {self.position}" if self.exact else f"about position {self.position}"


@dataclass(frozen=True)
class Challenge:
    """A vote challenge or relay film of one server: theme, rules (JSON), status and its window in Unix seconds."""

    id: int
    guild_id: int
    channel_id: int
    theme: str
    kind: ChallengeKind
    rules: dict
    status: ChallengeStatus
    starts_at: float
    ends_at: float | None
    announcement_message_id: int | None
    created_by: int
    created_at: float

    @classmethod
    def from_row(cls, row: dict) -> "Challenge":
        """From a `challenges` row (rules decoded from JSON)."""
        values = {name: row[name] for name in cls.__dataclass_fields__}
        values["rules"] = json.loads(row["rules"])
        return cls(**values)


@dataclass(frozen=True)
class ChallengeEntry:
    """A member's one entry (a clip) in a vote challenge."""

    challenge_id: int
    user_id: int
    clip_id: int
    submitted_at: float

    @classmethod
    def from_row(cls, row: dict) -> "ChallengeEntry":
        """From a `challenge_entries` row."""
        return cls(row["challenge_id"], row["user_id"], row["clip_id"], row["submitted_at"])


@dataclass(frozen=True)
class RelayTurn:
    """One shot of a relay film: its position, author, text and the clip rendered for it (None while queued)."""

    challenge_id: int
    position: int
    user_id: int
    text: str
    clip_id: int | None
    created_at: float

    @classmethod
    def from_row(cls, row: dict) -> "RelayTurn":
        """From a `relay_turns` row."""
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class ScheduledEvent:
    """A durable timer (a challenge deadline): kind, due time (Unix s), JSON payload, when it fired."""

    id: int
    kind: str
    due_at: float
    payload: dict
    fired_at: float | None

    @classmethod
    def from_row(cls, row: dict) -> "ScheduledEvent":
        """From a `scheduled_events` row (payload decoded from JSON)."""
        return cls(row["id"], row["kind"], row["due_at"], json.loads(row["payload"]), row["fired_at"])


@dataclass(frozen=True)
class WorkerInfo:
    """A live render worker: id, host, pid, loaded model, current job and last heartbeat (Unix s)."""

    id: str
    host: str
    pid: int
    loaded_model: str | None
    job_id: int | None
    started_at: float
    heartbeat_at: float

    @classmethod
    def from_row(cls, row: dict) -> "WorkerInfo":
        """From a `workers` row."""
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})
