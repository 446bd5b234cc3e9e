"""The buttons and menus of vote challenges: Submit, Vote and Entries on the announcement, the ephemeral
menus they open, and entering a clip from the 🏆 button under it.

All are `discord.ui.DynamicItem`s whose custom_id names the challenge (or clip), so the announcement keeps
working after a restart; the menus are built fresh from the database on every click. Nothing here imports
bot.views (which imports this module for the clip button).
"""
from __future__ import annotations

import re
from collections.abc import Awaitable, Sequence
import discord

from bot.buttons import Action, action_buttons, buttons_view
from bot.challenge_embeds import (
    challenge_embed, clip_link, entered_text, entry_option, name_in_sentence, name_of, voted_text,
)
from bot.embeds import clip_text, clip_text_lines
from bot.i18n import N_, _, ngettext
from bot.i18n.discord import SpeaksMemberLanguage
from bot.members import interaction_member
from bot.replies import report_error, send_ephemeral
from studio.challenges import ChallengeService, ChallengeView, EntryView
from studio.errors import StudioError
from studio.members import Member

COG_NAME = "Challenges"
# Discord's limits: options per select menu, select menus (rows) per message.
MENU_OPTIONS = 25
MENUS = 5


def service_of(interaction: discord.Interaction) -> ChallengeService:
    """The challenge service of the bot's challenges cog (it also runs the deadlines)."""
    cog = interaction.client.get_cog(COG_NAME)  # type: ignore[attr-defined]
    if cog is None:
        raise StudioError("Challenges are switched off on this bot.")
    return cog.service  # type: ignore[no-any-return]


async def _asker(interaction: discord.Interaction) -> tuple[ChallengeService, Member]:
    service = service_of(interaction)
    member, _settings = await interaction_member(service.studio, interaction)
    return service, member


def _still_open(view: ChallengeView, closed: str) -> None:
    """Refuse before showing a menu whose every choice would be refused (`closed`: the sentence saying so)."""
    if not view.is_open:
        raise StudioError(closed, challenge=name_of(view.challenge))


async def _reporting(interaction: discord.Interaction, action: Awaitable[None]) -> None:
    try:
        await action
    except Exception as error:
        await report_error(interaction, error)


# --- the announcement's buttons ---------------------------------------------------------------------

def challenge_buttons(challenge_id: int) -> discord.ui.View:
    return buttons_view(ChallengeButton, CHALLENGE_ACTIONS, challenge_id)


async def _open_entry_menu(interaction: discord.Interaction, challenge_id: int) -> None:
    """Submit: a menu of the member's finished clips, their current entry preselected."""
    service, member = await _asker(interaction)
    view = await service.show(member, challenge_id)
    _still_open(view, N_("{challenge} has ended, so entries are closed."))
    clips = await service.studio.member_clips(member, limit=MENU_OPTIONS)
    if not clips:
        raise StudioError("You have no finished clips to enter yet: make one with `/video`, then come back.")
    current = next((entry.clip.id for entry in view.entries if entry.entry.user_id == member.id), None)
    menu = discord.ui.View(timeout=None)
    menu.add_item(EntrySelect(challenge_id, [entry_option(clip, default=clip.id == current) for clip in clips]))
    await send_ephemeral(
        interaction, _("Which of your clips do you enter in {challenge}?", challenge=name_in_sentence(view.challenge)),
        view=menu
    )


async def _open_ballot(interaction: discord.Interaction, challenge_id: int) -> None:
    """Vote: menus of everyone else's entries, the member's current vote preselected."""
    service, member = await _asker(interaction)
    view = await service.show(member, challenge_id)
    _still_open(view, N_("{challenge} has ended, so votes are closed."))
    choices = [entry for entry in view.entries if entry.entry.user_id != member.id]
    if not choices:
        raise StudioError("There's nothing to vote for yet besides your own entry. Check back later!")
    current = await service.my_vote(member, challenge_id)
    shown = choices[: MENU_OPTIONS * MENUS]
    lines = [_("🗳️ **Vote in {challenge}**: one vote, yours to move until the deadline.",
               challenge=name_in_sentence(view.challenge))]
    lines += [_("• {clip} by {author}", clip=clip_link(e.clip, f"#{e.clip.id} {clip_text(e.title, 60)}"),
                author=e.clip.author_name)
              for e in shown]
    if len(choices) > len(shown):
        lines.append(ngettext("…and {n} more: vote for it with `/challenge vote`.",
                              "…and {n} more: vote for those with `/challenge vote`.", len(choices) - len(shown)))
    await send_ephemeral(
        interaction, clip_text_lines("\n".join(lines), 1900), view=ballot(challenge_id, shown, current)
    )


def ballot(challenge_id: int, entries: Sequence[EntryView], current: int | None) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for page in range(0, len(entries), MENU_OPTIONS):
        options = [entry_option(e.clip, default=e.clip.id == current) for e in entries[page : page + MENU_OPTIONS]]
        view.add_item(BallotSelect(challenge_id, page // MENU_OPTIONS, options))
    return view


async def _show_entries(interaction: discord.Interaction, challenge_id: int) -> None:
    service, member = await _asker(interaction)
    await send_ephemeral(interaction, embed=challenge_embed(await service.show(member, challenge_id)))


CHALLENGE_ACTIONS: dict[str, Action] = {
    "submit": Action(N_("Submit"), discord.ButtonStyle.success, "📥", _open_entry_menu),
    "vote": Action(N_("Vote"), discord.ButtonStyle.primary, "🗳️", _open_ballot),
    "entries": Action(N_("Entries"), discord.ButtonStyle.secondary, "🎞️", _show_entries),
}
ChallengeButton = action_buttons("challenge", CHALLENGE_ACTIONS, stale="`/challenge show`")


# --- the menus they open ----------------------------------------------------------------------------


class EntrySelect(
    SpeaksMemberLanguage, discord.ui.DynamicItem[discord.ui.Select], template=r"reelbot:challenge-entry:(?P<challenge_id>[0-9]+)"
):
    """One of the member's clips to enter in the challenge."""

    def __init__(self, challenge_id: int, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(discord.ui.Select(placeholder=_("Pick your entry…"), options=options or [],
                                           custom_id=f"reelbot:challenge-entry:{challenge_id}"))
        self.challenge_id = challenge_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str]
    ) -> "EntrySelect":
        return cls(int(match["challenge_id"]), item.options)

    async def callback(self, interaction: discord.Interaction) -> None:
        await _reporting(interaction, submit(interaction, int(self.item.values[0]), self.challenge_id))


class BallotSelect(
    SpeaksMemberLanguage,
    discord.ui.DynamicItem[discord.ui.Select],
    template=r"reelbot:ballot:(?P<challenge_id>[0-9]+):(?P<page>[0-9]+)",
):
    """Someone else's entry to vote for. The core refuses votes for your own, whatever a client sends."""

    def __init__(self, challenge_id: int, page: int, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(discord.ui.Select(placeholder=_("Vote for…"), options=options or [],
                                           custom_id=f"reelbot:ballot:{challenge_id}:{page}"))
        self.challenge_id = challenge_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str]
    ) -> "BallotSelect":
        return cls(int(match["challenge_id"]), int(match["page"]), item.options)

    async def callback(self, interaction: discord.Interaction) -> None:
        await _reporting(interaction, vote(interaction, self.challenge_id, int(self.item.values[0])))


class ClipEntrySelect(SpeaksMemberLanguage, discord.ui.DynamicItem[discord.ui.Select], template=r"reelbot:clip-entry:(?P<clip_id>[0-9]+)"):
    """Which open challenge to enter a clip in, when several are running."""

    def __init__(self, clip_id: int, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(discord.ui.Select(placeholder=_("Enter it in…"), options=options or [],
                                           custom_id=f"reelbot:clip-entry:{clip_id}"))
        self.clip_id = clip_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str]
    ) -> "ClipEntrySelect":
        return cls(int(match["clip_id"]), item.options)

    async def callback(self, interaction: discord.Interaction) -> None:
        await _reporting(interaction, submit(interaction, self.clip_id, int(self.item.values[0])))


# --- the flows the buttons, menus and commands share -------------------------------------------------


async def submit(interaction: discord.Interaction, clip_id: int, challenge_id: int | None) -> None:
    service, member = await _asker(interaction)
    await send_ephemeral(interaction, entered_text(await service.submit(member, clip_id, challenge_id)))


async def vote(interaction: discord.Interaction, challenge_id: int, clip_id: int) -> None:
    service, member = await _asker(interaction)
    await send_ephemeral(interaction, voted_text(await service.vote(member, challenge_id, clip_id)))


async def enter_clip(interaction: discord.Interaction, clip_id: int) -> None:
    """The 🏆 button under a clip: enter it in the open challenge, asking which one when several run."""
    service, member = await _asker(interaction)
    running = [
        view for view in await service.list_challenges(member, include_closed=False, limit=MENU_OPTIONS)
        if view.challenge.kind == "vote" and view.is_open
    ]
    if len(running) <= 1:
        # None or one: the core enters it, or says there is no open challenge.
        await send_ephemeral(interaction, entered_text(await service.submit(member, clip_id)))
        return
    menu = discord.ui.View(timeout=None)
    menu.add_item(ClipEntrySelect(clip_id, [
        discord.SelectOption(label=clip_text(f"#{view.challenge.id} · {view.challenge.theme}", 100),
                             value=str(view.challenge.id), description=ngettext("{n} entry so far", "{n} entries so far", len(view.entries)))
        for view in running
    ]))
    await send_ephemeral(interaction, _("Several challenges are running: which one is clip #{clip_id} for?", clip_id=clip_id),
                         view=menu)


CHALLENGE_ITEMS = (ChallengeButton, EntrySelect, BallotSelect, ClipEntrySelect)
