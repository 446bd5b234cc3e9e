"""The storyboard of stills in Discord: the message that shows every shot's still with its controls.

The request's status message becomes the storyboard once the stills exist (edited in place each time
they change, so one message follows the request): the stills board, what failed, a note when the preset
can't start from a picture, and persistent controls (`DynamicItem`s keyed by clip id, so a click works
after a restart): a menu to edit, re-roll or remove a shot, a menu to pick takes, and Animate, Retry and
Cancel buttons. The core of every action is in `studio.storyboards`; this module only speaks Discord.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any

import discord

from bot.buttons import Action, action_buttons
from bot.embeds import cancelled_line
from bot.host import host_of
from bot.i18n import N_, _, say
from bot.i18n.discord import SpeaksMemberLanguage
from bot.members import interaction_member
from bot.origin import Origin
from bot.replies import report_error, send_ephemeral
from bot.views import cancel_view
from studio.storyboards.actions import (
    animate, cancel_storyboard, open_for_changes, pick_still, remove_shot, reroll_still, retry_stills, storyboard,
)  # fmt: skip
from studio.storyboards.editing import edit_still
from studio.members import Member
from studio.records import Clip, RenderJob
from studio.storyboards.views import StoryboardView


def board_name(clip_id: int) -> str:
    return f"stills-{clip_id}.png"


def storyboard_message(view: StoryboardView, origin: Origin) -> dict[str, Any]:
    """The storyboard message's fields (edit or send them): text, the board as embed image, controls."""
    clip, board = view.clip, view.storyboard
    lines = [_("<@{user_id}> the stills of clip #{clip_id} are ready: change any shot, then **Animate**.",
               user_id=origin.requester_id, clip_id=clip.id)]  # fmt: skip
    if not view.opens_on_still:
        lines.append(_("ℹ️ Preview: the video may differ ({model} can't start from a picture).", model=clip.model))
    lines += [_("⚠️ The still of shot {shot} failed: {reason}", shot=shot, reason=say(reason)) for shot, reason in view.failed()]
    if board.mode == "auto" and board.animate_at is not None:
        lines.append(_("⏱️ Animates by itself <t:{when}:R> unless you change something.", when=int(board.animate_at)))
    embed = discord.Embed(title=clip.shot_list.get("title") or _("Clip #{clip_id}", clip_id=clip.id))
    # Which clip it is stays in view while a still renders again and progress replaces the text above.
    embed.set_footer(text=_("Clip #{clip_id}", clip_id=clip.id))
    files = []
    if view.board is not None:
        embed.set_image(url=f"attachment://{board_name(clip.id)}")
        files.append(discord.File(view.board, filename=board_name(clip.id)))
    return {"content": "\n".join(lines), "embed": embed, "attachments": files, "view": storyboard_controls(view)}


def storyboard_controls(view: StoryboardView) -> discord.ui.View:
    controls = discord.ui.View(timeout=None)
    controls.add_item(StoryboardMenu("shot", view.clip.id, shot_options(view)))
    if view.storyboard.takes > 1:
        controls.add_item(StoryboardMenu("take", view.clip.id, take_options(view)))
    for name, action in STORYBOARD_ACTIONS.items():
        if name != "retry" or view.failed():
            controls.add_item(StoryboardButton(name, view.clip.id))
    return controls


def shot_options(view: StoryboardView) -> list[discord.SelectOption]:
    """Edit, re-roll and remove for every shot (6 shots at most: 18 of Discord's 25 options)."""
    options = []
    for shot in range(1, view.shots + 1):
        options += [
            discord.SelectOption(label=_("Edit shot {shot}", shot=shot), value=f"edit:{shot}", emoji="✏️"),
            discord.SelectOption(label=_("Re-roll shot {shot}", shot=shot), value=f"reroll:{shot}", emoji="🎲"),
        ]
        if view.shots > 1:
            options.append(discord.SelectOption(label=_("Remove shot {shot}", shot=shot), value=f"remove:{shot}",
                                                emoji="🗑️"))  # fmt: skip
    return options[:25]


def take_options(view: StoryboardView) -> list[discord.SelectOption]:
    """Pick a whole take, or one take of one shot (6 shots x 4 takes at most: 24 options with 4 whole ones
    left out past 25, so per-shot picks come first)."""
    per_shot = [discord.SelectOption(label=_("Shot {shot}: take {take}", shot=s.shot + 1, take=s.take + 1),
                                     value=f"{s.shot + 1}:{s.take + 1}", default=s.picked)
                for s in view.stills]  # fmt: skip
    whole = [discord.SelectOption(label=_("Take {take} for every shot", take=take), value=f"all:{take}")
             for take in range(1, view.storyboard.takes + 1)]  # fmt: skip
    return (per_shot + whole)[:25]


class StoryboardMenu(SpeaksMemberLanguage, discord.ui.DynamicItem[discord.ui.Select],
                     template=r"reelbot:stills:(?P<kind>shot|take):(?P<clip>[0-9]+)"):
    """A storyboard's menus: "shot" edits (a form), re-rolls or removes one shot; "take" picks a take per
    shot, or a whole take, with no render (Animate uses the picks)."""

    def __init__(self, kind: str, clip_id: int, options: list[discord.SelectOption] | None = None) -> None:
        placeholder = _("Change a shot…") if kind == "shot" else _("Pick takes…")
        super().__init__(discord.ui.Select(placeholder=placeholder, options=options or [],
                                           custom_id=f"reelbot:stills:{kind}:{clip_id}", row=0 if kind == "shot" else 1))  # fmt: skip
        self.kind, self.clip_id = kind, clip_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str]) -> "StoryboardMenu":
        return cls(match["kind"], int(match["clip"]), item.options)

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            studio = host_of(interaction).studio
            member, _settings = await interaction_member(studio, interaction)
            first, _sep, second = self.item.values[0].partition(":")
            if self.kind == "take":
                view = await pick_still(studio, member, self.clip_id, int(second),
                                        shot=None if first == "all" else int(first))  # fmt: skip
                picks = ", ".join(_("shot {shot}: take {take}", shot=s.shot + 1, take=s.take + 1) for s in view.picked())
                done = _("🎬 Picked {picks}. Animate when you are ready.", picks=picks)
            elif first == "edit":
                # A clip gone, or animated meanwhile, is refused here, before any typing.
                open_for_changes(await storyboard(studio, member, self.clip_id))
                await interaction.response.send_modal(EditShotModal(self.clip_id, int(second)))
                return
            elif first == "reroll":
                await reroll_still(studio, member, self.clip_id, int(second))
                done = _("🎲 Shot {shot} re-rolled: its still is on its way.", shot=second)
            else:
                await remove_shot(studio, member, self.clip_id, int(second))
                done = _("🗑️ Shot {shot} removed.", shot=second)
            await send_ephemeral(interaction, done)
        except Exception as error:
            await report_error(interaction, error)


class EditShotModal(SpeaksMemberLanguage, discord.ui.Modal):
    def __init__(self, clip_id: int, shot: int) -> None:
        super().__init__(title=_("Edit shot {shot} of clip #{clip_id}", shot=shot, clip_id=clip_id),
                         custom_id=f"reelbot:stills:edit:{clip_id}:{shot}", timeout=900)  # fmt: skip
        self.note: discord.ui.TextInput = discord.ui.TextInput(
            label=_("What should change in this shot?"), style=discord.TextStyle.paragraph, max_length=600,
            placeholder=_("at night · the dragon lands on the tower · 改成夜景"), custom_id="note", required=False,
        )  # fmt: skip
        self.add_item(self.note)
        self.clip_id, self.shot = clip_id, shot

    async def on_submit(self, interaction: discord.Interaction) -> None:
        studio = host_of(interaction).studio
        member, _settings = await interaction_member(studio, interaction)
        await edit_still(studio, member, self.clip_id, self.shot, self.note.value)
        await send_ephemeral(interaction, _("✏️ Shot {shot} changed: its still is on its way.", shot=self.shot))

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:  # type: ignore[override]
        await report_error(interaction, error)


async def _animate(interaction: discord.Interaction, clip_id: int) -> None:
    studio = host_of(interaction).studio
    member, _settings = await interaction_member(studio, interaction)
    job = await animate(studio, member, clip_id)
    await interaction.response.edit_message(**animating(job))


def animating(job: RenderJob) -> dict[str, Any]:
    """A storyboard once Animate was pressed (or auto mode animated it): it stays the request's message,
    saying so until the progress line takes over, and its controls give way to the video's Cancel."""
    return {"content": _("🎬 Clip #{clip_id} is being animated from its stills.", clip_id=job.clip_id),
            "view": cancel_view(job.id)}


async def _retry(interaction: discord.Interaction, clip_id: int) -> None:
    studio = host_of(interaction).studio
    member, _settings = await interaction_member(studio, interaction)
    await retry_stills(studio, member, clip_id)
    await send_ephemeral(interaction, _("🔁 The failed stills are rendering again."))


async def _cancel(interaction: discord.Interaction, clip_id: int) -> None:
    studio = host_of(interaction).studio
    member, _settings = await interaction_member(studio, interaction)
    await cancel_storyboard(studio, member, clip_id)
    # The same one short line a cancelled video leaves (bot.embeds.outcome_line), so it isn't said twice apart.
    await interaction.response.edit_message(content=cancelled_line(clip_id), embed=None, attachments=[],
                                            view=None)  # fmt: skip


STORYBOARD_ACTIONS: dict[str, Action] = {
    "animate": Action(N_("Animate"), discord.ButtonStyle.success, "🎬", _animate, row=2),
    "retry": Action(N_("Retry failed stills"), discord.ButtonStyle.secondary, "🔁", _retry, row=2),
    "cancel": Action(N_("Cancel"), discord.ButtonStyle.secondary, "✖️", _cancel, row=2),
}
StoryboardButton = action_buttons("storyboard", STORYBOARD_ACTIONS, stale="`/video`")
# Every persistent item of a storyboard message, for `bot.add_dynamic_items`.
STORYBOARD_ITEMS = (StoryboardMenu, StoryboardButton)


async def storyboard_message_of(studio: Any, clip: Clip, origin: Origin) -> dict[str, Any]:
    """The storyboard message of `clip` (its stills are ready), read as its author sees it. `studio`: the
    bot's `studio.service.Studio`."""
    author = Member(clip.author_id, clip.author_name, clip.guild_id, clip.channel_id, transport=clip.transport)
    return storyboard_message(await storyboard(studio, author, clip.id), origin)


def storyboard_seen_as(message: dict[str, Any]) -> tuple:
    """What a storyboard message (`storyboard_message`'s fields) shows a member: its words, card, controls and
    board picture by content. Reads the board file, then rewinds it for the send."""
    files = []
    for file in message["attachments"]:
        files.append((file.filename, hashlib.sha256(file.fp.read()).hexdigest()))
        file.reset()
    return (message["content"], repr(message["embed"].to_dict()), repr(message["view"].to_components()),
            tuple(files))


def sent_storyboard(message: dict[str, Any]) -> dict[str, Any]:
    """The storyboard message's fields for a new message rather than an edit (files, not attachments)."""
    return {**{k: v for k, v in message.items() if k != "attachments"}, "files": message["attachments"]}
