"""How clips, jobs and settings look in Discord: embeds and one-line status texts (no I/O here)."""
from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.i18n import _, ngettext, say
from common.text import Text
from bot.stages import place_text, stage_text, waiting_reason
from studio.cast.credits import credited
from studio.records import CastCredit, Clip, GuildSettings
from studio.remix import credit_line
from studio.job_views import JobView
from studio.quality import clip_quality
from studio.service import Studio
from studio.shots import what_happens

ACCENT = discord.Colour.from_rgb(240, 180, 60)
BAR_CELLS = 10
# Discord's field value limit, with room for a "…".
FIELD_CHARS = 1000


def clip_text(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def clip_text_lines(text: str, limit: int) -> str:
    """Like clip_text, but keeps line breaks (recipes and trees are laid out in lines)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def message_link(guild_id: int | None, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id or '@me'}/{channel_id}/{message_id}"


def format_eta(seconds: float) -> str:
    """`45s`, `1m 40s`, `2h 2m` (`45秒`, …): coarse on purpose, as a status message is only edited when its
    text changes."""
    step = 5 if seconds < 60 else 10 if seconds < 3600 else 60
    total = max(5, math.ceil(seconds / step) * step)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    units = ((hours, _("{hours}h", hours=hours)), (minutes, _("{minutes}m", minutes=minutes)),
             (secs, _("{seconds}s", seconds=secs)))
    return " ".join(text for value, text in units if value)


def progress_bar(fraction: float, cells: int = BAR_CELLS) -> str:
    filled = min(cells, max(0, round(fraction * cells)))
    return "▰" * filled + "▱" * (cells - filled)


def progress_line(view: JobView, *, now: float | None = None) -> str:
    """`▰▰▰▱▱▱▱▱▱▱ 30% · Rendering shot 2/3 · ETA 20s` while rendering (no place: it is rendering), or
    `⏳ Clip #4 is queued · position 2 · ETA 1m 40s` while waiting."""
    job, estimate = view.job, view.estimate
    remaining = remaining_seconds(view, time.time() if now is None else now)
    eta = _(" · ETA {eta}", eta=format_eta(remaining)) if remaining is not None else ""
    if job.status == "queued":
        position = _(" · {place}", place=place_text(estimate)) if estimate is not None else ""
        queued = _("⏳ Clip #{clip_id} is queued{position}{eta}", clip_id=view.clip.id, position=position, eta=eta)
        return queued + waiting_reason(job)
    return _("{bar} {progress:.0%} · {stage}{eta}", bar=progress_bar(job.progress), progress=job.progress,
             stage=stage_text(job.stage), eta=eta)


# Below this share done, a render's own pace says little (loading the model counts in its time so far).
_PACE_FROM = 0.1


def remaining_seconds(view: JobView, now: float) -> float | None:
    """Seconds until the job is done: the queue's estimate, but never less than the render's own pace
    predicts (time so far × share left ÷ share done), so a render slower than estimated shows a time that
    keeps moving instead of one stuck at its floor. None without an estimate."""
    job, estimate = view.job, view.estimate
    remaining = estimate.eta_seconds if estimate is not None else None
    if job.status == "running" and job.started_at is not None and job.progress >= _PACE_FROM:
        paced = max(0.0, now - job.started_at) * (1 - job.progress) / job.progress
        remaining = paced if remaining is None else max(remaining, paced)
    return remaining


def cancelled_line(clip_id: int) -> str:
    """What a cancelled request leaves, whether its video or its storyboard was cancelled: one short line."""
    return _("🚫 Clip #{clip_id} was cancelled.", clip_id=clip_id)


def outcome_line(view: JobView) -> str:
    """What a cancelled or failed request leaves in the channel: one short line. A failure says its real
    cause, whose own words carry the advice that fits it (a model to download, a shorter clip...)."""
    clip, job = view.clip, view.job
    if job.status == "cancelled":
        return cancelled_line(clip.id)
    if job.reason is None:
        return _("❌ <@{user_id}>, clip #{clip_id} couldn't be made: the render failed. Please try again.",
                 user_id=job.user_id, clip_id=clip.id)
    return _("❌ <@{user_id}>, clip #{clip_id} couldn't be made: {reason}", user_id=job.user_id, clip_id=clip.id,
             reason=say(job.reason))


def shot_lines(clip: Clip, limit: int = FIELD_CHARS) -> str:
    """`**1.** 3.0s · slow dolly in — the monster stomps through Times Square`, one line per shot, with the
    length the shot renders at (its recipe's)."""
    shots = Studio.shot_list(clip).shots
    seconds = Studio.shot_seconds(clip)
    lines = [_("**{number}.** {seconds:.1f}s · {camera} — {action}", number=index, seconds=length,
               camera=clip_text(shot.camera, 40), action=clip_text(what_happens(shot), 150))
             for index, (shot, length) in enumerate(zip(shots, seconds, strict=True), start=1)]
    return clip_text_lines("\n".join(lines), limit)


def credit_text(ancestry: tuple[Sequence[Clip], int], clip: Clip | None = None, *, yours: bool = False) -> str:
    """The credit a child clip carries (studio.remix.credit_line) in the current language, e.g. "remix of
    alice's clip #12", or "final of your clip #10" (`yours`: in a message to `clip`'s author); "" for an
    original. `ancestry`: what `studio.remix.ancestors` gives, the chain seen here (parent first, original
    last) and how many ancestors were made elsewhere (counted, never named)."""
    seen, elsewhere = ancestry
    return say(credit_line(seen, elsewhere=elsewhere, clip=clip, yours=yours))


@dataclass(frozen=True)
class Credits:
    """Whose work a clip's card credits besides its author: the remix chain's (`remix`, in the current
    language; "" for an original) and the owners of the characters it features (`cast`)."""

    remix: str = ""
    cast: tuple[CastCredit, ...] = ()


def cast_field(cast: Sequence[CastCredit]) -> str:
    """`Mira by bob · from their pictures`, one line per character (`description only` where the model
    could not take their pictures)."""
    how = {True: _("from their pictures"), False: _("description only")}
    return clip_text_lines("\n".join(f"{say(credited(c))} · {how[c.conditioned]}" for c in cast), FIELD_CHARS)


def clip_embed(
    clip: Clip, *, credits: Credits = Credits(), image: str | None = None, reused: int = 0, gallery: str | None = None
) -> discord.Embed:
    """The clip's card: request, shot list, seeds, model, author, remix credit and cast (each character
    credited to its owner); footer with its number. `gallery` (the clip's signed gallery link) makes the
    title a link and adds an "Open in gallery" field."""
    shot_list = Studio.shot_list(clip)
    # A remix quotes its original's request, unless that member was forgotten (storage.forget).
    lines = [f"> {clip_text(clip.request, 600)}"] if clip.request.strip() else []
    if credits.remix:
        lines.append(f"🔁 {clip_text(credits.remix, 300)}")
    if clip.remix_note:
        lines.append(f"✏️ {clip_text(say(Text.loads(clip.remix_note)), 300)}")
    embed = discord.Embed(title=clip_text(shot_list.title, 250), description="\n".join(lines) or None, colour=ACCENT)
    embed.set_author(name=_("by @{author}", author=clip_text(clip.author_name, 80)))
    total = sum(recipe.duration for recipe in Studio.recipes(clip))
    embed.add_field(name=_("Shots ({count}, {seconds:.1f}s)", count=len(shot_list.shots), seconds=total),
                    value=shot_lines(clip) or "—", inline=False)
    embed.add_field(name=_("Style"), value=clip_text(shot_list.bible.style, 300), inline=False)
    if credits.cast:
        embed.add_field(name=_("Cast"), value=cast_field(credits.cast), inline=False)
    if shot_list.notes:
        embed.add_field(name=_("Note"), value=clip_text_lines("\n".join(map(say, shot_list.notes)), 1000), inline=False)
    seeds = ", ".join(str(recipe["seed"]) for recipe in clip.recipes)
    embed.add_field(name=ngettext("Seed", "Seeds", len(clip.recipes)), value=clip_text(seeds, 200))
    embed.add_field(name=_("Model"), value=clip.model)
    embed.add_field(name=_("Quality"), value=say(clip_quality(clip)))
    if reused:
        embed.add_field(name=_("Reused"), value=ngettext("{n} shot from earlier renders",
                                                         "{n} shots from earlier renders", reused))
    if gallery:
        embed.url = gallery
        embed.add_field(name=_("Gallery"), value=_("[Open in gallery]({link})", link=gallery), inline=False)
    if image:
        embed.set_image(url=f"attachment://{image}")
    embed.set_footer(text=_("Clip #{clip_id} · reply to the clip with a change to remix it", clip_id=clip.id))
    return embed


def full_clip_line(gallery: str | None, *, left_out: bool, reduced: bool = False, what: str = "clip") -> str:
    """Where to watch a video (`what`: clip, film) the post could not carry whole: left out (too large even
    at low quality) or re-encoded smaller to fit the upload limit. "" with nothing to add or no gallery link."""
    if gallery is None or not (left_out or reduced):
        return ""
    # <…> keeps Discord from unfurling the link into a second preview.
    if not left_out:
        return _("▶️ Full quality in the gallery: <{link}>", link=gallery)
    if what == "film":
        return _("▶️ Watch the full film: <{link}>", link=gallery)
    return _("▶️ Watch the full clip: <{link}>", link=gallery)


def details_embed(clip: Clip, lines: Sequence[Text]) -> discord.Embed:
    """Details, short (studio.remix.shot_details): each shot's seed, steps, real frames and rate, and prompt;
    where the whole recipe and the remix family are."""
    body = "\n".join(clip_text(say(line), 700) for line in lines)
    embed = discord.Embed(title=_("Clip #{clip_id}: details", clip_id=clip.id), description=clip_text_lines(body, 3900),
                          colour=ACCENT)
    embed.set_footer(text=_("The whole recipe: /clip {clip_id} · the remix family: /lineage {clip_id}",
                            clip_id=clip.id))
    return embed

def queue_lines(views: list[JobView], *, show_author: bool) -> str:
    if not views:
        return _("Nothing queued right now. Make something with `/video`!")
    lines = []
    for view in views:
        author = _(" · by {author}", author=view.clip.author_name) if show_author else ""
        lines.append(f"**#{view.clip.id}** {clip_text(view.clip.request, 60)}{author}\n  {progress_line(view)}")
    return clip_text_lines("\n".join(lines), 1900)


def settings_embed(settings: GuildSettings) -> discord.Embed:
    embed = discord.Embed(title=_("Reelbot settings for this server"), colour=ACCENT)
    for field in dataclasses.fields(settings):
        embed.add_field(name=field.name, value=setting_value(field.name, getattr(settings, field.name)))
    embed.set_footer(text=_("Change one with /settings set; the value `default` restores the default."))
    return embed


def setting_value(name: str, value: object) -> str:
    if name == "allowed_channels":
        return ", ".join(f"<#{channel}>" for channel in value) or _("every channel")  # type: ignore[union-attr]
    if name == "moderator_roles":
        return ", ".join(f"<@&{role}>" for role in value) or _("none")  # type: ignore[union-attr]
    if name == "upload_limit":
        return _("{megabytes:g} MB", megabytes=value / 1024 / 1024)  # type: ignore[operator]
    if name == "language" and value is None:
        return _("the server's Discord language")
    if isinstance(value, list):
        return clip_text(", ".join(map(str, value)), 200) or _("none")
    if value is None:
        return _("bot default")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return clip_text(str(value), 200)
