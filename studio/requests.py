"""The studio's vocabulary of a request: what a member may set on a new clip (`VideoOptions`), the plan every
kind of request ends in (`ClipPlan`), and what accepting one answers (`Accepted`)."""
from __future__ import annotations

from dataclasses import dataclass

from common.text import Text
from generation.recipe import ShotRender
from prompts.schema import ShotList
from storage.cast_uses import CastCredit
from storage.records import PRIORITY_DRAFT, PRIORITY_FINAL, Clip, QueueEstimate, RenderJob
from studio.cast.casting import NO_CAST, Casting


@dataclass(frozen=True)
class VideoOptions:
    """What a member may set on a new clip; None means the server's or the planner's default."""

    shots: int | None = None
    model: str | None = None
    seed: int | None = None
    aspect: str | None = None
    duration: float | None = None
    style: str | None = None
    negative: str | None = None
    # Drafts render with fewer steps and jump ahead of final renders in the queue.
    draft: bool = False
    # A stored picture (studio.pictures.read_picture's path) that the first shot starts from.
    image: str | None = None
    # Stills first for this request: "ask", "auto" or "off" (None: the server's `stills_first`). The
    # console and `reelbot generate` choose their own.
    stills: str | None = None
    # Draft takes of the first shot to pick from (2-4; None: the server's `takes` setting).
    takes: int | None = None
    # Characters to feature, by name or alias, comma-separated (`cast:`); besides those the text names.
    cast: str | None = None


@dataclass(frozen=True)
class StoryboardPlan:
    """How a clip's storyboard of stills is made before its video (studio.storyboards): `mode` "ask" (wait
    for the member's Animate), "auto" (animate `grace_s` seconds after the stills are ready unless the
    member acts) or "off" (no storyboard: the video at once), the `quality` the video renders at ("final"
    or "draft"), and `takes` stills per shot."""

    mode: str
    quality: str
    takes: int = 1
    grace_s: float = 0.0

    @property
    def stills_first(self) -> bool:
        return self.mode != "off"

    @property
    def priority(self) -> int:
        """The priority class of the clip's video once animated."""
        return PRIORITY_DRAFT if self.quality == "draft" else PRIORITY_FINAL


@dataclass(frozen=True)
class Accepted:
    """A request accepted and queued: the stored request, its clip and job, the plan, the queue estimate, and how
    many shots come from the render cache."""

    request_id: int
    clip: Clip
    job: RenderJob
    shot_list: ShotList
    estimate: QueueEstimate | None
    # Shots whose recipe was rendered before: they cost no GPU time.
    reused: int
    # Things the member should know about how the request was taken (a cropped picture), for a front-end
    # to translate (common.text).
    notes: tuple[Text, ...] = ()
    # The characters the clip features, credited to their owners (studio.cast.credits words them).
    cast: tuple[CastCredit, ...] = ()


@dataclass(frozen=True)
class ClipPlan:
    """Everything needed to queue a clip; creation, remixes and relays all end in one of these."""

    shot_list: ShotList
    model: str
    seeds: list[int]
    aspect: str | None
    steps: int | None
    priority: int
    parent_id: int | None = None
    remix_kind: str | None = None
    # What the remix changed (stored as Text JSON in clips.remix_note; common.text).
    remix_note: Text | None = None
    # Exact recipes, one per shot, instead of deriving them from the shot list: a remix carries its
    # parent's unchanged shots over bit for bit (so they hit the render cache even when the parent was
    # shrunk after running out of memory) and can give a shot an init image.
    recipes: tuple[ShotRender, ...] | None = None
    # Storyboard captions, one per recipe, when they aren't the shots' (takes are one shot, N seeds).
    captions: tuple[str, ...] | None = None
    # Stills first: the storyboard to render and approve before the video (mode "off": the video at once;
    # None: as the server's settings say).
    storyboard: StoryboardPlan | None = None
    # The characters the clip features (studio.cast), put into its prompts and recipes when it is queued.
    casting: Casting = NO_CAST
