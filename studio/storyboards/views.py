"""A storyboard as front-ends show it: the clip, its stills shot by shot, what failed, and what Animate does."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.errors import NotAllowed
from common.text import Text
from generation.still_recipes import opens_on_still
from renderqueue.jobs import job_for_clip
from storage.records import Clip, RenderJob, Still, Storyboard
from storage.stills import clip_stills, get_storyboard
from studio.errors import StudioError
from studio.members import Member, visible_clip


@dataclass(frozen=True)
class StoryboardView:
    """A clip's storyboard: the stills by shot then take, its latest job, and whether Animate starts
    each shot from its still (`opens_on_still`; False: the stills are a preview and the video may differ)."""

    clip: Clip
    storyboard: Storyboard
    stills: list[Still]
    job: RenderJob | None

    @property
    def shots(self) -> int:
        return 1 + max(still.shot for still in self.stills) if self.stills else 0

    @property
    def stage(self) -> str:
        """Where the storyboard stands: "stills" (rendering), "ready" (waiting for Animate), "animating" (its
        video renders), "animated" (the video is done: the clip changes by a remix now), "failed" (the video
        failed), "cancelled". Derived from the clip's own status once Animate was pressed, so it never stays
        "animating" after the video."""
        status = self.storyboard.status
        if status != "animating" or self.clip.status in ("queued", "rendering"):
            return status
        return {"ready": "animated", "failed": "failed"}.get(self.clip.status, "cancelled")

    @property
    def is_open(self) -> bool:
        """Whether its shots can still change (stills rendering or ready)."""
        return self.stage in ("stills", "ready")

    @property
    def opens_on_still(self) -> bool:
        return opens_on_still(self.clip.model)

    @property
    def board(self) -> Path | None:
        """The stills board PNG, once drawn and still on disk."""
        path = self.storyboard.board_path
        return Path(path) if path and Path(path).is_file() else None

    def picked(self) -> list[Still]:
        """Each shot's picked still, in shot order."""
        return [still for still in self.stills if still.picked]

    def failed(self) -> list[tuple[int, Text]]:
        """(shot number, 1-based; why) of every still that failed."""
        return [(still.shot + 1, still.reason or Text.raw("")) for still in self.stills if still.status == "failed"]

    def still_paths(self) -> list[Path]:
        """The pictures of the stills rendered so far, by shot then take."""
        return [Path(still.path) for still in self.stills if still.status == "ready" and still.path]


def read_storyboard(db: Any, member: Member, clip_id: int, *, acting: bool = False) -> StoryboardView:
    """The storyboard of a clip the member sees. With `acting` (an edit, a re-roll, Animate...) only its
    author or a moderator may. Raises NotFound, NotAllowed, StudioError (code "no_storyboard")."""
    clip = visible_clip(db, member, clip_id)
    storyboard = get_storyboard(db, clip_id)
    if storyboard is None:
        raise StudioError("Clip #{clip_id} has no storyboard of stills.", code="no_storyboard", clip_id=clip_id)
    if acting and clip.author_id != member.id and not member.can_moderate:
        raise NotAllowed("Only {name} can change the storyboard of clip #{clip_id}.", code="not_author",
                         name=clip.author_name, clip_id=clip_id)  # fmt: skip
    return StoryboardView(clip, storyboard, clip_stills(db, clip_id), job_for_clip(db, clip_id))
