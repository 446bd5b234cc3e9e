"""The console's storyboard commands: `/stills`, `/animate`, `/edit`, `/remove`, `/retry`, `/discard`; `/reroll`
and `/pick` act on a storyboard when the clip is still one (see `commands`)."""
from __future__ import annotations

from bot.console.replies import describe_accepted, describe_storyboard
from bot.console.session import ConsoleSession, command, console_origin
from bot.i18n import N_, _
from studio import remix as remixing
from studio.converters import to_shot_number, to_take_number
from studio.errors import StudioError
from studio.storyboards.actions import (
    animate, cancel_storyboard, open_for_changes, pick_still, remove_shot, reroll_still, retry_stills, storyboard,
)  # fmt: skip
from studio.storyboards.editing import edit_still
from studio.storyboards.views import StoryboardView


async def clip_storyboard(session: ConsoleSession, clip_id: int) -> StoryboardView | None:
    """The clip's storyboard, or None for a clip made without one."""
    try:
        return await storyboard(session.studio, session.member, clip_id)
    except StudioError as error:
        if error.code == "no_storyboard":
            return None
        raise


async def _clip_id(session: ConsoleSession, ref: str) -> int:
    return (await remixing.resolve_clip(session.studio, ref, session.member)).id


def _shot(text: str) -> int:
    shot = to_shot_number(text)
    if shot is None:
        raise StudioError("Say which shot, e.g. `2`.", code="no_shot_given")
    return shot


@command("stills", "/stills CLIP", "/stills 3",
         N_("a clip's storyboard of stills and what to do next"))
async def _stills(session: ConsoleSession, arg: str) -> str:
    """`/stills CLIP`: the clip's storyboard of stills and what to do next."""
    return describe_storyboard(await storyboard(session.studio, session.member, await _clip_id(session, arg)))


@command("animate", "/animate CLIP", "/animate 3",
         N_("render the video as the storyboard shows it"))
async def _animate(session: ConsoleSession, arg: str) -> str:
    """`/animate CLIP`: render the video as the storyboard shows it."""
    job = await animate(session.studio, session.member, await _clip_id(session, arg))
    session.watch_job(job.id, job.clip_id)
    return _("clip #{clip_id}: animating the approved stills (job {job_id})", clip_id=job.clip_id, job_id=job.id)


@command("edit", "/edit CLIP SHOT TEXT", "/edit 3 2 at night",
         N_("change a shot in words; its still renders again"))
async def _edit(session: ConsoleSession, arg: str) -> str:
    """`/edit CLIP SHOT text`: change a shot in words; its still renders again."""
    ref, _sep, rest = arg.partition(" ")
    shot, _sep, text = rest.strip().partition(" ")
    accepted = await edit_still(session.studio, session.member, await _clip_id(session, ref), _shot(shot), text,
                                origin=console_origin())
    session.watch(accepted)
    return describe_accepted(accepted)


@command("remove", "/remove CLIP SHOT", "/remove 3 2",
         N_("take a shot out of the storyboard"))
async def _remove(session: ConsoleSession, arg: str) -> str:
    """`/remove CLIP SHOT`: take a shot out of the storyboard."""
    ref, _sep, shot = arg.partition(" ")
    view = await remove_shot(session.studio, session.member, await _clip_id(session, ref), _shot(shot))
    session.watch_job(view.job.id, view.clip.id)  # the board is drawn again without the shot
    return _("clip #{clip_id}: shot {shot} removed, {count} left", clip_id=view.clip.id, shot=shot.strip(),
             count=view.shots)


@command("retry", "/retry CLIP", "/retry 3",
         N_("render the stills that failed once more"))
async def _retry(session: ConsoleSession, arg: str) -> str:
    """`/retry CLIP`: render the stills that failed once more."""
    view = await retry_stills(session.studio, session.member, await _clip_id(session, arg))
    session.watch_job(view.job.id, view.clip.id)
    return _("clip #{clip_id}: rendering the failed stills again", clip_id=view.clip.id)


@command("discard", "/discard CLIP", "/discard 3",
         N_("cancel a storyboard and everything queued for it"))
async def _discard(session: ConsoleSession, arg: str) -> str:
    """`/discard CLIP`: cancel a storyboard and everything queued for it."""
    view = await cancel_storyboard(session.studio, session.member, await _clip_id(session, arg))
    return describe_storyboard(view)


async def reroll_in_storyboard(session: ConsoleSession, clip_id: int, shot: str) -> str | None:
    """`/reroll CLIP SHOT` on a storyboard: a new seed for the shot's still; None when the clip has none that
    can change (then the clip itself is re-rolled: a remix)."""
    view = await clip_storyboard(session, clip_id)
    if view is None or not view.is_open:
        return None
    view = await reroll_still(session.studio, session.member, clip_id, _shot(shot))
    session.watch_job(view.job.id, view.clip.id)
    return _("clip #{clip_id}: shot {shot} re-rolled, its still is rendering", clip_id=clip_id, shot=shot.strip())


async def pick_in_storyboard(session: ConsoleSession, clip_id: int, rest: str) -> str | None:
    """`/pick CLIP TAKE [SHOT]` on a storyboard: pick a still (no render); None when the clip has none.
    Raises StudioError for a storyboard that can't change any more (already animated...)."""
    view = await clip_storyboard(session, clip_id)
    if view is None:
        return None
    open_for_changes(view)
    take, _sep, shot = rest.strip().partition(" ")
    view = await pick_still(session.studio, session.member, clip_id, to_take_number(take),
                            shot=to_shot_number(shot) if shot.strip() else None)  # fmt: skip
    return describe_storyboard(view)
