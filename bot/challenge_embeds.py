"""How challenges, relays and profiles look in Discord: announcement, listings, results (no I/O here)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from bot.embeds import ACCENT, FIELD_CHARS, clip_text, clip_text_lines, message_link
from bot.i18n import _, ngettext, say
from bot.stages import pending_text
from common.text import Text
from prompts.schema import StyleBible
from studio.members import DELETED_MEMBER_ID, DELETED_MEMBER_NAME
from studio.records import Challenge, Clip
from studio.profiles import Profile
from studio.challenges import (
    ChallengeResults,
    ChallengeRules,
    ChallengeView,
    RelayFilm,
    RelayResults,
    SubmitResult,
    VoteResult,
)

MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}
# Discord's limits: message content, embed description.
CONTENT_CHARS = 2000
DESCRIPTION_CHARS = 4000


def notify(user_ids: set[int]) -> discord.AllowedMentions:
    """Ping exactly these members (never roles or everyone, whatever a theme or title says)."""
    return discord.AllowedMentions(everyone=False, roles=False, users=[discord.Object(i) for i in sorted(user_ids)])


def mention(user_id: int, name: Text) -> str:
    """`<@id>`, or the member's name as members read it where there is nobody to mention (a forgotten
    member: "a deleted member")."""
    return say(name) if user_id == DELETED_MEMBER_ID else f"<@{user_id}>"


def when(timestamp: float | None) -> str:
    """A time every member sees in their own timezone (and language), plus how far away it is."""
    if timestamp is None:
        return _("no deadline")
    return f"<t:{int(timestamp)}:f> (<t:{int(timestamp)}:R>)"


def name_of(challenge: Challenge) -> str:
    """`Relay #3` / `Challenge #4`, in the current language."""
    if challenge.kind == "relay":
        return _("Relay #{challenge_id}", challenge_id=challenge.id)
    return _("Challenge #{challenge_id}", challenge_id=challenge.id)


def name_in_sentence(challenge: Challenge) -> str:
    """`relay #3` / `challenge #4`: the name inside a sentence (English lower-cases it there)."""
    if challenge.kind == "relay":
        return _("relay #{challenge_id}", challenge_id=challenge.id)
    return _("challenge #{challenge_id}", challenge_id=challenge.id)


def clip_link(clip: Clip, text: str) -> str:
    """`text` linking to the clip's post, when it was posted."""
    if clip.posted_message_id is None or clip.channel_id is None:
        return text
    return f"[{text}]({message_link(clip.guild_id, clip.channel_id, clip.posted_message_id)})"


def state_line(view: ChallengeView) -> str:
    if view.is_open:
        return _("Open until {deadline}", deadline=when(view.challenge.ends_at))
    if view.challenge.status == "closed":
        return _("Ended")
    return _("Ended: results are on their way")


def rules_text(rules: ChallengeRules) -> str:
    """The rules that differ from the defaults, as one line (empty when none do)."""
    return _(", ").join(map(say, rules.describe()))


# --- the announcement -----------------------------------------------------------------------------


def gallery_field(embed: discord.Embed, gallery: str | None) -> None:
    """Make the embed's title a link to its gallery page and say so in a field (nothing when the gallery is off)."""
    if gallery:
        embed.url = gallery
        embed.add_field(name=_("Gallery"), value=_("[Open in gallery]({link})", link=gallery), inline=False)


def announcement(view: ChallengeView, *, gallery: str | None = None) -> dict[str, Any]:
    """The message that opens a challenge; its buttons come from the views. `gallery`: the challenge's signed
    gallery page (entries, later the results), when the server has a gallery."""
    challenge = view.challenge
    theme = clip_text(challenge.theme, 200)
    if challenge.kind == "relay":
        content = _("📣 **New relay!** Let's make a film together: **{theme}**", theme=theme)
        description = _(
            "Take turns adding the next shot with **Add a shot** (or `/relay add`): say what happens next and I "
            "render it in the film's shared style. Nobody adds two shots in a row. I post the film as it grows, "
            "and the final cut at the end, crediting everyone who added a shot."
        )
    else:
        content = _("📣 **New challenge!** Make a clip about **{theme}** and enter it before the deadline.",
                    theme=theme)
        description = _(
            "Enter one of your finished clips with **Submit** (or the 🏆 button under your clip, or "
            "`/challenge submit`); entering again replaces your entry.\n"
            "Vote for your favourite with **Vote**: one vote each, not for your own entry, changeable until "
            "the end. Votes stay secret until the results."
        )
    embed = discord.Embed(title=_("{challenge}: {theme}", challenge=name_of(challenge), theme=theme),
                          description=description, colour=ACCENT)
    embed.add_field(name=_("Ends"), value=when(challenge.ends_at), inline=False)
    if challenge.kind == "relay" and "bible" in challenge.rules:
        style = StyleBible.model_validate(challenge.rules["bible"]).style
        embed.add_field(name=_("Shared style"), value=clip_text(style, 300) or "—", inline=False)
    if rules_text(view.rules):
        embed.add_field(name=_("Rules"), value=clip_text(rules_text(view.rules), 300), inline=False)
    embed.add_field(name=_("Started by"), value=mention(challenge.created_by, Text.of(DELETED_MEMBER_NAME)))
    gallery_field(embed, gallery)
    embed.set_footer(text=name_of(challenge))
    return {"content": content, "embed": embed}


def ended_note(results_link: str | None) -> str:
    """The announcement's text once the challenge is over (its buttons are removed)."""
    if results_link:
        return _("🏁 This has ended. Results: {link}", link=results_link)
    return _("🏁 This has ended.")


# --- looking at challenges --------------------------------------------------------------------------


def listing(views: Sequence[ChallengeView]) -> str:
    if not views:
        return _("No challenges here yet. Admins and moderators start one with `/challenge start`.")
    lines = []
    for view in views:
        challenge = view.challenge
        state = (_("open, ends {deadline}", deadline=f"<t:{int(challenge.ends_at or 0)}:R>") if view.is_open
                 else _("ended"))
        count = (ngettext("{n} shot", "{n} shots", len(view.turns)) if challenge.kind == "relay"
                 else ngettext("{n} entry", "{n} entries", len(view.entries)))
        lines.append(f"**{name_of(challenge)}** · {clip_text(challenge.theme, 80)} · {count} · {state}")
    return clip_text_lines("\n".join(lines), CONTENT_CHARS - 100)


def _turn_status(status: str) -> str:
    """A relay shot's clip status (storage/schema.py's clip statuses), as shown after the shot's text."""
    return {
        "queued": _("queued"), "rendering": _("rendering"), "failed": _("failed"), "cancelled": _("cancelled"),
        "deleted": _("deleted"),
    }.get(status, status)


def challenge_embed(view: ChallengeView) -> discord.Embed:
    """`/challenge show`: state, rules, the entries (never their votes while open) or the story so far."""
    challenge = view.challenge
    embed = discord.Embed(title=_("{challenge}: {theme}", challenge=name_of(challenge),
                                  theme=clip_text(challenge.theme, 200)), colour=ACCENT)
    lines = [state_line(view)]
    if challenge.kind == "relay":
        lines += [
            f"**{turn.turn.position}.** {clip_text(say(turn.author), 40)}"
            + (f": {clip_text(turn.turn.text, 120)}" if turn.turn.text else "")
            + ("" if turn.status == "ready" else f" *({_turn_status(turn.status)})*")
            for turn in view.turns
        ] or [_("No shots yet: add the first one with `/relay add`.")]
    else:
        lines += [
            _("• {clip} by {author}", clip=clip_link(entry.clip, f"#{entry.clip.id} {clip_text(entry.title, 80)}"),
              author=clip_text(entry.clip.author_name, 40))
            for entry in view.entries
        ] or [_("No entries yet.")]
    embed.description = clip_text_lines("\n".join(lines), DESCRIPTION_CHARS)
    if rules_text(view.rules):
        embed.add_field(name=_("Rules"), value=clip_text(rules_text(view.rules), 300), inline=False)
    if isinstance(view.results, ChallengeResults):
        embed.add_field(name=_("Results"), value=clip_text_lines("\n".join(ranking_lines(view.results)) or "—",
                                                                 FIELD_CHARS), inline=False)
    return embed


# --- entering and voting ----------------------------------------------------------------------------


def entered_text(result: SubmitResult) -> str:
    where = name_in_sentence(result.challenge)
    if result.replaced is not None:
        return _("✅ Clip #{clip_id} is your entry in {challenge} (it replaced clip #{replaced_id}; votes for that "
                 "one were dropped). You can replace it until the deadline.",
                 clip_id=result.entry.clip_id, challenge=where, replaced_id=result.replaced.clip_id)
    return _("✅ Clip #{clip_id} is your entry in {challenge}. You can replace it until the deadline.",
             clip_id=result.entry.clip_id, challenge=where)


def voted_text(result: VoteResult) -> str:
    where = name_in_sentence(result.challenge)
    if result.previous_clip_id == result.clip_id:
        return _("🗳️ Your vote in {challenge} was already on clip #{clip_id}; it still counts once.",
                 challenge=where, clip_id=result.clip_id)
    if result.changed:
        return _("🗳️ Your vote in {challenge} moved from clip #{previous_id} to clip #{clip_id}.",
                 challenge=where, previous_id=result.previous_clip_id, clip_id=result.clip_id)
    return _("🗳️ Your vote for clip #{clip_id} in {challenge} is in. You can change it until the deadline.",
             clip_id=result.clip_id, challenge=where)


def entry_option(clip: Clip, *, default: bool = False) -> discord.SelectOption:
    title = clip_text(clip.shot_list.get("title") or clip.request, 80)
    return discord.SelectOption(
        label=clip_text(f"#{clip.id} · {title}", 100),
        value=str(clip.id),
        description=clip_text(_("by {author} · {request}", author=clip.author_name, request=clip.request), 100),
        default=default,
    )


# --- results ----------------------------------------------------------------------------------------


def ranking_lines(results: ChallengeResults) -> list[str]:
    return [
        _("{place} {clip} by {author} · {votes}",
          place=MEDALS.get(r.rank, f"{r.rank}.") if r.votes else f"{r.rank}.",
          clip=clip_link(r.clip, f"#{r.clip.id} {clip_text(r.title, 60)}"), author=clip_text(r.clip.author_name, 40),
          votes=ngettext("{n} vote", "{n} votes", r.votes))
        for r in results.ranking
    ]


def credit_lines(results: ChallengeResults) -> list[str]:
    """Every remix ancestor of every winning clip, with its author mentioned."""
    lines = []
    for winner in results.winners:
        credits = results.credits.get(winner.clip.id, [])
        if credits:
            chain = _(", then ").join(_("#{clip_id} by {author}", clip_id=credit.clip_id,
                                        author=mention(credit.user_id, credit.author)) for credit in credits)
            lines.append(_("🔁 #{clip_id} builds on {chain}", clip_id=winner.clip.id, chain=chain))
    return lines


def results_message(
    results: ChallengeResults, *, image: str | None, gallery: str | None = None, updated: bool = False
) -> dict[str, Any]:
    """The results post: winners and credits in the text (so they are notified), the ranking in the embed, a link
    to the challenge's `gallery` page (every entry playable there) when there is one. `updated`: drawn again
    after a member was forgotten (their entries and votes no longer count), which the post says."""
    challenge = results.challenge
    parts = [_("🏁 **{challenge} “{theme}” is over!**", challenge=name_of(challenge),
               theme=clip_text(challenge.theme, 150))]
    if results.winners:
        first = results.winners[0]
        parts.append(_("{medal} {winner} wins with clip #{clip_id} “{title}”.", medal=MEDALS[1],
                       winner=f"<@{first.clip.author_id}>", clip_id=first.clip.id, title=clip_text(first.title, 100)))
        others = [f"{MEDALS[w.rank]} <@{w.clip.author_id}> (#{w.clip.id})" for w in results.winners[1:]]  # ties share a rank and a medal
        if others:
            parts.append(_("Also on the podium: {others}.", others=_(", ").join(others)))
    elif results.ranking and updated:
        parts.append(_("No vote counts any more, so there is no winner."))
    elif results.ranking:
        parts.append(_("No votes were cast, so there is no winner this time."))
    else:
        parts.append(_("Nobody entered this time."))
    head = " ".join(parts)
    lines = [head, *credit_lines(results)]
    if updated:
        lines.append(_("✏️ Updated: a member's entries and votes were removed at their request."))
    content = clip_text_lines("\n".join(lines), CONTENT_CHARS)
    embed = discord.Embed(
        title=_("Results: {theme}", theme=clip_text(challenge.theme, 200)),
        description=clip_text_lines("\n".join(ranking_lines(results)) or _("No entries."), DESCRIPTION_CHARS),
        colour=ACCENT,
    )
    embed.set_footer(text=_("{challenge} · {entries} · {votes}", challenge=name_of(challenge),
                            entries=ngettext("{n} entry", "{n} entries", len(results.ranking)),
                            votes=ngettext("{n} vote", "{n} votes", results.total_votes)))
    gallery_field(embed, gallery)
    if image:
        embed.set_image(url=f"attachment://{image}")
    mentioned = {w.clip.author_id for w in results.winners}
    mentioned |= {c.user_id for w in results.winners for c in results.credits.get(w.clip.id, [])}
    mentioned.discard(DELETED_MEMBER_ID)
    return {"content": content, "embed": embed, "allowed_mentions": notify(mentioned)}


def contributor_lines(film: RelayFilm) -> list[str]:
    """`**2.** @bob: an owl watches from a pine` per shot; a forgotten member's shot is kept, anonymised:
    `**2.** a deleted member`."""
    return [
        f"**{shot.turn.position}.** " + (f"<@{shot.turn.user_id}>: {clip_text(shot.turn.text, 120)}"
                                         if shot.turn.user_id in film.contributor_ids else say(shot.author))
        for shot in film.shots
    ]


def final_cut_message(
    results: RelayResults, *, note: str = "", gallery: str | None = None, posted: str | None = None
) -> dict[str, Any]:
    """The final cut's post, crediting each contributor in story order, with the relay's `gallery` page.
    `posted`: the link to the film's earlier post when the final cut is that very film (it isn't uploaded
    again)."""
    challenge, film = results.challenge, results.film
    names = {"challenge": name_of(challenge), "theme": clip_text(challenge.theme, 150)}
    head = (_("🎬 **{challenge} “{theme}”: the final cut!**", **names) if film.shots
            else _("🏁 **{challenge} “{theme}” is over**, but no shot was rendered.", **names))
    lines = [head, *contributor_lines(film)]
    if film.pending:
        lines.append(_("(Not in the final cut: {pending}.)", pending=pending_text(film.pending)))
    if posted:
        lines.append(_("▶️ The final cut is the film posted above: {link}", link=posted))
    if note:
        lines.append(f"⚠️ {note}")
    if gallery and gallery not in note:
        # <…> keeps Discord from unfurling the link into a second preview.
        lines.append(_("🖼️ Every shot in the gallery: <{link}>", link=gallery))
    return {"content": clip_text_lines("\n".join(lines), CONTENT_CHARS),
            "allowed_mentions": notify(set(film.contributor_ids))}


def film_so_far_text(challenge: Challenge, film: RelayFilm, *, note: str = "") -> str:
    """The grown film's post: names, not mentions, so nobody is pinged at every turn."""
    names = _(", ").join(clip_text(say(name), 40) for name in film.contributors)
    parts = [_("🎞️ **{challenge} “{theme}”**, the film so far: {shots} by {names}.", challenge=name_of(challenge),
               theme=clip_text(challenge.theme, 150), shots=ngettext("{n} shot", "{n} shots", len(film.shots)),
               names=names)]
    if film.pending:
        parts.append(_("Not in it yet: {pending}.", pending=pending_text(film.pending)))
    max_turns = ChallengeRules.from_dict(challenge.rules).max_turns
    if challenge.status == "open" and (max_turns is None or len(film.shots) + len(film.pending) < max_turns):
        parts.append(_("Add the next shot with `/relay add`!"))
    text = " ".join(parts)
    if note:
        text += f"\n⚠️ {note}"
    return clip_text_lines(text, CONTENT_CHARS)


# --- profiles ---------------------------------------------------------------------------------------


def profile_embed(profile: Profile, avatar_url: str | None = None, *, gallery: str | None = None) -> discord.Embed:
    """A member's counts in the server; `gallery`: their page there (every clip, playable and downloadable)."""
    embed = discord.Embed(title=_("{name} on Reelbot", name=clip_text(profile.name, 80)), colour=ACCENT)
    for name, value in (
        (_("Clips"), profile.clips),
        (_("Remixes by others"), profile.remixes_received),
        (_("Challenge wins"), profile.challenge_wins),
        (_("Challenge entries"), profile.entries),
        (_("Relay shots"), profile.relay_turns),
    ):
        embed.add_field(name=name, value=str(value))
    if gallery and profile.clips:
        embed.url = gallery
        embed.add_field(name=_("Gallery"), value=_("[All clips in the gallery]({link})", link=gallery), inline=False)
    if avatar_url:
        embed.set_thumbnail(url=avatar_url)
    return embed
