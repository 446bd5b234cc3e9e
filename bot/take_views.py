"""The buttons of takes and drafts: Pick 1..N under a clip of takes, and which buttons a posted clip gets.

Pick buttons are persistent (`reelbot:take:<one..four>:<clip id>`), like every other clip button: a click
on a grid posted by an earlier process still picks.
"""
from __future__ import annotations

from typing import Any

import discord

from bot.buttons import Action, action_buttons
from bot.i18n import N_
from bot.host import host_of
from bot.views import clip_view, queue_from_interaction
from studio.records import Clip
from studio.members import Member
from studio.requests import Accepted
from studio.shots import MAX_TAKES
from studio.takes import is_draft, pick

_NAMES = ("one", "two", "three", "four")[:MAX_TAKES]


def _picker(take: int):
    async def handler(interaction: discord.Interaction, clip_id: int) -> None:
        studio = host_of(interaction).studio

        async def submit(member: Member, origin: dict[str, Any]) -> Accepted:
            return await pick(studio, member, clip_id, take, origin=origin)

        await queue_from_interaction(interaction, submit)

    return handler


TAKE_ACTIONS: dict[str, Action] = {
    name: Action(N_("Pick {take}"), discord.ButtonStyle.primary, "🎬", _picker(take), row=0, values=(("take", take),))
    for take, name in enumerate(_NAMES, start=1)
}
TakeButton = action_buttons("take", TAKE_ACTIONS, stale="`/video`")


def takes_view(clip: Clip) -> discord.ui.View:
    """Pick 1..N for a clip of N takes."""
    view = discord.ui.View(timeout=None)
    for name in _NAMES[: len(clip.recipes)]:
        view.add_item(TakeButton(name, clip.id))
    return view


def posted_view(clip: Clip, *, can_extend: bool = True, can_enter: bool = True) -> discord.ui.View:
    """The buttons a finished clip is posted with: Pick for takes; the clip buttons, with Finalize on drafts,
    Extend only while the clip has room for another shot (`can_extend`) and Enter challenge only while a
    challenge takes entries (`can_enter`): no button leads to a refusal."""
    if clip.remix_kind == "takes":
        return takes_view(clip)
    left_out = {name for name, shown in (("extend", can_extend), ("submit", can_enter)) if not shown}
    return clip_view(clip.id, draft=is_draft(clip), left_out=left_out)
