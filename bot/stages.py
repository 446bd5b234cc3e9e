"""Render stages as members read them, in either front-end (no discord here: the console uses it too)."""
from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import N_, _, ngettext, say
from common.text import Nn_
from studio.challenges.views import TurnView
from studio.records import QueueEstimate, RenderJob

# What the worker reports as a job's stage (generation/assemble.py), lower-cased, as members read it.
STAGES = {
    "starting": N_("Starting"),
    "rendering shot {shot}/{shots}": N_("Rendering shot {shot}/{shots}"),
    "reused shot {shot}/{shots}": N_("Reused shot {shot}/{shots}"),
    "rendering still {shot}/{shots}": N_("Rendering still {shot}/{shots}"),
    "stitching shots": N_("Stitching shots"),
    "drawing the storyboard": N_("Drawing the storyboard"),
}


def stage_text(stage: str | None) -> str:
    """`Rendering shot 2/3`: the worker's stage without its step count (which would change the text, and
    cost an edit, every step), in the current language."""
    stage = (stage or "starting").split(" (")[0]
    pattern, values = _stage_pattern(stage)
    if pattern in STAGES:
        return _(STAGES[pattern], **values)
    return stage[:1].upper() + stage[1:]


def _stage_pattern(stage: str) -> tuple[str, dict[str, str]]:
    """"rendering shot 2/3" -> ("rendering shot {shot}/{shots}", {"shot": "2", "shots": "3"})."""
    words = stage.lower().split()
    if len(words) == 3 and words[1] in ("shot", "still") and "/" in words[2]:
        shot, shots = words[2].split("/", 1)
        return f"{words[0]} {words[1]} {{shot}}/{{shots}}", {"shot": shot, "shots": shots}
    return stage.lower(), {}


def place_text(estimate: QueueEstimate) -> str:
    """`position 4`, or `about position 840` where the position deep in a long queue is an estimate."""
    if estimate.exact:
        return _("position {position}", position=estimate.position)
    return _("about position {position}", position=estimate.position)


def waiting_reason(job: RenderJob) -> str:
    """` · <why>` for a queued job handed back by a transient fault (the media folder full, the database
    held by another program: `renderqueue.outcomes.record_failure` keeps the reason as the job's error and
    "waiting to retry" as its stage); "" otherwise. The reason is the worker's own sentence, in the reader's
    language."""
    if job.status == "queued" and job.stage == "waiting to retry" and job.reason is not None:
        return f" · {say(job.reason)}"
    return ""


# What relay turns not yet in the film wait for (`TurnView.waiting_for`), as members read it.
_WAITING = (
    ("animate", Nn_("{n} shot waits for its author's Animate", "{n} shots wait for their authors' Animate")),
    ("stills", Nn_("{n} shot's stills are rendering", "{n} shots' stills are rendering")),
    ("render", Nn_("{n} shot still rendering", "{n} shots still rendering")),
)


def pending_text(pending: Sequence[TurnView]) -> str:
    """What the relay's turns not yet in the film wait for, e.g. "2 shots wait for their authors' Animate, 1 shot
    still rendering", in the current language; "" for none."""
    counts = {kind: sum(1 for turn in pending if (turn.waiting_for or "render") == kind) for kind, _words in _WAITING}
    return _(", ").join(ngettext(*words, counts[kind]) for kind, words in _WAITING if counts[kind])


# A clip's status (storage.records.ClipStatus; "missing": a relay turn whose clip isn't queued yet), as members read it.
_CLIP_STATES = {"queued": N_("queued"), "rendering": N_("rendering"), "ready": N_("ready"), "failed": N_("failed"),
                "cancelled": N_("cancelled"), "deleted": N_("deleted"), "missing": N_("not queued yet")}


def clip_state_text(status: str, storyboard: str | None = None) -> str:
    """Where a clip stands, in words: a clip whose storyboard comes first is "queued" until it is animated,
    so its storyboard's status (`StoryboardStatus`) says what it really waits for."""
    if status in ("queued", "rendering") and storyboard == "ready":
        return _("stills ready, waiting for Animate")
    if status in ("queued", "rendering") and storyboard == "stills":
        return _("stills rendering")
    return _(_CLIP_STATES[status]) if status in _CLIP_STATES else status
