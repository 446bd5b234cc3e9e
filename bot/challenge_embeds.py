"""How challenges, relays and profiles look in Discord: announcement, listings, results (no I/O here)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from bot.embeds import ACCENT, FIELD_CHARS, clip_text, clip_text_lines, message_link
from prompts.schema import StyleBible
from storage.records import Challenge, Clip
from studio.challenges import (
    ChallengeResults,
    ChallengeRules,
    ChallengeView,
    Profile,
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


def when(timestamp: float | None) -> str:
    """A time every member sees in their own timezone, plus how far away it is."""
    if timestamp is None:
        return "no deadline"
    return f"<t:{int(timestamp)}:f> (<t:{int(timestamp)}:R>)"


def name_of(challenge: Challenge) -> str:
    return f"{'Relay' if challenge.kind == 'relay' else 'Challenge'} #{challenge.id}"


def clip_link(clip: Clip, text: str) -> str:
    """`text` linking to the clip's post, when it was posted."""
    if clip.posted_message_id is None or clip.channel_id is None:
        return text
    return f"[{text}]({message_link(clip.guild_id, clip.channel_id, clip.posted_message_id)})"


def state_line(view: ChallengeView) -> str:
    if view.is_open:
        return f"Open until {when(view.challenge.ends_at)}"
    if view.challenge.status == "closed":
        return "Ended"
    return "Ended: results are on their way"


# --- the announcement -----------------------------------------------------------------------------


def announcement(view: ChallengeView) -> dict[str, Any]:
    """The message that opens a challenge; its buttons come from the views."""
    challenge = view.challenge
    theme = clip_text(challenge.theme, 200)
    if challenge.kind == "relay":
        content = f"📣 **New relay!** Let's make a film together: **{theme}**"
        description = (
            "Take turns adding the next shot with **Add a shot** (or `/relay add`): say what happens next and I "
            "render it in the film's shared style. Nobody adds two shots in a row. I post the film as it grows, "
            "and the final cut at the end, crediting everyone who added a shot."
        )
    else:
        content = f"📣 **New challenge!** Make a clip about **{theme}** and enter it before the deadline."
        description = (
            "Enter one of your finished clips with **Submit** (or the 🏆 button under your clip, or "
            "`/challenge submit`); entering again replaces your entry.\n"
            "Vote for your favourite with **Vote**: one vote each, not for your own entry, changeable until "
            "the end. Votes stay secret until the results."
        )
    embed = discord.Embed(title=f"{name_of(challenge)}: {theme}", description=description, colour=ACCENT)
    embed.add_field(name="Ends", value=when(challenge.ends_at), inline=False)
    if challenge.kind == "relay" and "bible" in challenge.rules:
        style = StyleBible.model_validate(challenge.rules["bible"]).style
        embed.add_field(name="Shared style", value=clip_text(style, 300) or "—", inline=False)
    if view.rules.describe():
        embed.add_field(name="Rules", value=clip_text(", ".join(view.rules.describe()), 300), inline=False)
    embed.add_field(name="Started by", value=f"<@{challenge.created_by}>")
    embed.set_footer(text=name_of(challenge))
    return {"content": content, "embed": embed}


def ended_note(results_link: str | None) -> str:
    """The announcement's text once the challenge is over (its buttons are removed)."""
    return "🏁 This has ended." + (f" Results: {results_link}" if results_link else "")


# --- looking at challenges --------------------------------------------------------------------------


def listing(views: Sequence[ChallengeView]) -> str:
    if not views:
        return "No challenges here yet. Admins and moderators start one with `/challenge start`."
    lines = []
    for view in views:
        challenge = view.challenge
        state = f"open, ends <t:{int(challenge.ends_at or 0)}:R>" if view.is_open else "ended"
        count = (f"{len(view.turns)} shot{'s' * (len(view.turns) != 1)}" if challenge.kind == "relay"
                 else f"{len(view.entries)} entr{'y' if len(view.entries) == 1 else 'ies'}")
        lines.append(f"**{name_of(challenge)}** · {clip_text(challenge.theme, 80)} · {count} · {state}")
    return clip_text_lines("\n".join(lines), CONTENT_CHARS - 100)


def challenge_embed(view: ChallengeView) -> discord.Embed:
    """`/challenge show`: state, rules, the entries (never their votes while open) or the story so far."""
    challenge = view.challenge
    embed = discord.Embed(title=f"{name_of(challenge)}: {clip_text(challenge.theme, 200)}", colour=ACCENT)
    lines = [state_line(view)]
    if challenge.kind == "relay":
        lines += [
            f"**{turn.turn.position}.** {clip_text(turn.author_name, 40)}: {clip_text(turn.turn.text, 120)}"
            + ("" if turn.status == "ready" else f" *({turn.status})*")
            for turn in view.turns
        ] or ["No shots yet: add the first one with `/relay add`."]
    else:
        lines += [
            f"• {clip_link(entry.clip, f'#{entry.clip.id} {clip_text(entry.title, 80)}')} "
            f"by {clip_text(entry.clip.author_name, 40)}"
            for entry in view.entries
        ] or ["No entries yet."]
    embed.description = clip_text_lines("\n".join(lines), DESCRIPTION_CHARS)
    if view.rules.describe():
        embed.add_field(name="Rules", value=clip_text(", ".join(view.rules.describe()), 300), inline=False)
    if isinstance(view.results, ChallengeResults):
        embed.add_field(name="Results", value=clip_text_lines("\n".join(ranking_lines(view.results)) or "—",
                                                              FIELD_CHARS), inline=False)
    return embed


# --- entering and voting ----------------------------------------------------------------------------


def entered_text(result: SubmitResult) -> str:
    text = f"✅ Clip #{result.entry.clip_id} is your entry in {name_of(result.challenge).lower()}"
    if result.replaced is not None:
        text += f" (it replaced clip #{result.replaced.clip_id}; votes for that one were dropped)"
    return text + ". You can replace it until the deadline."


def voted_text(result: VoteResult) -> str:
    where = name_of(result.challenge).lower()
    if result.previous_clip_id == result.clip_id:
        return f"🗳️ Your vote in {where} was already on clip #{result.clip_id}; it still counts once."
    if result.changed:
        return f"🗳️ Your vote in {where} moved from clip #{result.previous_clip_id} to clip #{result.clip_id}."
    return f"🗳️ Your vote for clip #{result.clip_id} in {where} is in. You can change it until the deadline."


def entry_option(clip: Clip, *, default: bool = False) -> discord.SelectOption:
    title = clip_text(clip.shot_list.get("title") or clip.request, 80)
    return discord.SelectOption(
        label=clip_text(f"#{clip.id} · {title}", 100),
        value=str(clip.id),
        description=clip_text(f"by {clip.author_name} · {clip.request}", 100),
        default=default,
    )


# --- results ----------------------------------------------------------------------------------------


def ranking_lines(results: ChallengeResults) -> list[str]:
    return [
        f"{MEDALS.get(r.rank, f'{r.rank}.') if r.votes else f'{r.rank}.'} "
        f"{clip_link(r.clip, f'#{r.clip.id} {clip_text(r.title, 60)}')} by {clip_text(r.clip.author_name, 40)}"
        f" · {r.votes} vote{'s' * (r.votes != 1)}"
        for r in results.ranking
    ]


def credit_lines(results: ChallengeResults) -> list[str]:
    """Every remix ancestor of every winning clip, with its author mentioned."""
    lines = []
    for winner in results.winners:
        credits = results.credits.get(winner.clip.id, [])
        if credits:
            chain = ", then ".join(f"#{credit.clip_id} by <@{credit.user_id}>" for credit in credits)
            lines.append(f"🔁 #{winner.clip.id} builds on {chain}")
    return lines


def results_message(results: ChallengeResults, *, image: str | None) -> dict[str, Any]:
    """The results post: winners and credits in the text (so they are notified), the ranking in the embed."""
    challenge = results.challenge
    head = f"🏁 **{name_of(challenge)} “{clip_text(challenge.theme, 150)}” is over!**"
    if results.winners:
        first = results.winners[0]
        tied = [w for w in results.winners[1:] if w.rank == 1]
        head += (f" {MEDALS[1]} <@{first.clip.author_id}> wins with clip #{first.clip.id} "
                 f"“{clip_text(first.title, 100)}”" + "".join(
                     f", tied with <@{w.clip.author_id}> (#{w.clip.id})" for w in tied) + ".")
        others = [f"{MEDALS[w.rank]} <@{w.clip.author_id}> (#{w.clip.id})" for w in results.winners[1:] if w.rank > 1]
        if others:
            head += " Also on the podium: " + ", ".join(others) + "."
    elif results.ranking:
        head += " No votes were cast, so there is no winner this time."
    else:
        head += " Nobody entered this time."
    content = clip_text_lines("\n".join([head, *credit_lines(results)]), CONTENT_CHARS)
    entries = len(results.ranking)
    embed = discord.Embed(
        title=f"Results: {clip_text(challenge.theme, 200)}",
        description=clip_text_lines("\n".join(ranking_lines(results)) or "No entries.", DESCRIPTION_CHARS),
        colour=ACCENT,
    )
    embed.set_footer(text=f"{name_of(challenge)} · {entries} entr{'y' if entries == 1 else 'ies'} · "
                          f"{results.total_votes} vote{'s' * (results.total_votes != 1)}")
    if image:
        embed.set_image(url=f"attachment://{image}")
    mentioned = {w.clip.author_id for w in results.winners}
    mentioned |= {c.user_id for w in results.winners for c in results.credits.get(w.clip.id, [])}
    return {"content": content, "embed": embed, "allowed_mentions": notify(mentioned)}


def contributor_lines(film: RelayFilm) -> list[str]:
    return [
        f"**{shot.turn.position}.** <@{shot.turn.user_id}>: {clip_text(shot.turn.text, 120)}" for shot in film.shots
    ]


def final_cut_message(results: RelayResults, *, note: str = "") -> dict[str, Any]:
    """The final cut's post, crediting each contributor in story order."""
    challenge, film = results.challenge, results.film
    title = f"{name_of(challenge)} “{clip_text(challenge.theme, 150)}”"
    head = f"🎬 **{title}: the final cut!**" if film.shots else f"🏁 **{title} is over**, but no shot was rendered."
    lines = [head, *contributor_lines(film)]
    if film.pending:
        lines.append(f"({len(film.pending)} shot{'s' * (len(film.pending) != 1)} still rendering didn't make it.)")
    if note:
        lines.append(f"⚠️ {note}")
    return {"content": clip_text_lines("\n".join(lines), CONTENT_CHARS),
            "allowed_mentions": notify({shot.turn.user_id for shot in film.shots})}


def film_so_far_text(challenge: Challenge, film: RelayFilm, *, note: str = "") -> str:
    """The grown film's post: names, not mentions, so nobody is pinged at every turn."""
    names = ", ".join(clip_text(name, 40) for name in film.contributors)
    text = (f"🎞️ **{name_of(challenge)} “{clip_text(challenge.theme, 150)}”**, the film so far: "
            f"{len(film.shots)} shot{'s' * (len(film.shots) != 1)} by {names}.")
    if film.pending:
        text += f" {len(film.pending)} more still rendering."
    max_turns = ChallengeRules.from_dict(challenge.rules).max_turns
    if challenge.status == "open" and (max_turns is None or len(film.shots) + len(film.pending) < max_turns):
        text += " Add the next shot with `/relay add`!"
    if note:
        text += f"\n⚠️ {note}"
    return clip_text_lines(text, CONTENT_CHARS)


# --- profiles ---------------------------------------------------------------------------------------


def profile_embed(profile: Profile, avatar_url: str | None = None) -> discord.Embed:
    embed = discord.Embed(title=f"{clip_text(profile.name, 80)} on Reelbot", colour=ACCENT)
    for name, value in (
        ("Clips", profile.clips),
        ("Remixes by others", profile.remixes_received),
        ("Challenge wins", profile.challenge_wins),
        ("Challenge entries", profile.entries),
        ("Relay shots", profile.relay_turns),
    ):
        embed.add_field(name=name, value=str(value))
    if avatar_url:
        embed.set_thumbnail(url=avatar_url)
    return embed
