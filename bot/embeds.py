"""How clips, jobs and settings look in Discord: embeds and one-line status texts (no I/O here)."""
from __future__ import annotations

import dataclasses
import math

import discord

from storage.records import Clip, GuildSettings
from studio.service import JobView, Studio

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
    """`45s`, `1m 40s`, `2h 2m`: coarse on purpose, as a status message is only edited when its text changes."""
    step = 5 if seconds < 60 else 10 if seconds < 3600 else 60
    total = max(5, math.ceil(seconds / step) * step)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return " ".join(f"{value}{unit}" for value, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if value)


def progress_bar(fraction: float, cells: int = BAR_CELLS) -> str:
    filled = min(cells, max(0, round(fraction * cells)))
    return "▰" * filled + "▱" * (cells - filled)


def progress_line(view: JobView) -> str:
    """`▰▰▰▱▱▱▱▱▱▱ 30% · Rendering shot 2/3 · position 0 · ETA 20s` (or the queued variant)."""
    job, estimate = view.job, view.estimate
    eta = f" · ETA {format_eta(estimate.eta_seconds)}" if estimate is not None else ""
    if job.status == "queued":
        position = f" · {estimate.place}" if estimate is not None else ""
        waiting = f" · waiting to retry: {job.error}" if job.stage == "waiting to retry" and job.error else ""
        return f"⏳ Clip #{view.clip.id} is queued{position}{eta}{waiting}"
    # "Rendering shot 2/3 (step 4/30)": the step count would change the text (and cost an edit) every step.
    stage = (job.stage or "Starting").split(" (")[0]
    stage = stage[:1].upper() + stage[1:]
    return f"{progress_bar(job.progress)} {job.progress:.0%} · {stage} · position 0{eta}"


def outcome_line(view: JobView, *, link: str | None = None) -> str:
    """The status message's last words."""
    clip, job = view.clip, view.job
    if job.status == "done":
        return f"✅ Clip #{clip.id} is ready{': ' + link if link else '.'}"
    if job.status == "cancelled":
        return f"🚫 <@{job.user_id}>, clip #{clip.id} was cancelled."
    reason = job.error or "the render failed"
    return (
        f"❌ Sorry <@{job.user_id}>, clip #{clip.id} couldn't be made: {reason} "
        "Try again, maybe with a simpler request."
    )


def shot_lines(clip: Clip, limit: int = FIELD_CHARS) -> str:
    """`**1.** 3.0s · slow dolly in — the monster stomps through Times Square`, one line per shot, with the
    length the shot renders at (its recipe's)."""
    shots = Studio.shot_list(clip).shots
    seconds = Studio.shot_seconds(clip)
    lines = [
        f"**{index}.** {length:.1f}s · {clip_text(shot.camera, 40)} — "
        + (clip_text(shot.action, 150) if shot.action.startswith(shot.subject[:12])
           else f"{clip_text(shot.subject, 60)}, {clip_text(shot.action, 90)}")
        for index, (shot, length) in enumerate(zip(shots, seconds, strict=True), start=1)
    ]
    return clip_text_lines("\n".join(lines), limit)


def clip_embed(
    clip: Clip, *, credit: str = "", image: str | None = None, reused: int = 0, gallery: str | None = None
) -> discord.Embed:
    """The clip's card: request, shot list, seeds, model, author, remix credit; footer with its number.
    `gallery` (the clip's signed gallery link) makes the title a link and adds an "Open in gallery" field."""
    shot_list = Studio.shot_list(clip)
    description = f"> {clip_text(clip.request, 600)}"
    if credit:
        description += f"\n🔁 {clip_text(credit, 300)}"
    if clip.remix_note:
        description += f"\n✏️ {clip_text(clip.remix_note, 300)}"
    embed = discord.Embed(title=clip_text(shot_list.title, 250), description=description, colour=ACCENT)
    embed.set_author(name=f"by @{clip_text(clip.author_name, 80)}")
    total = sum(recipe.duration for recipe in Studio.recipes(clip))
    embed.add_field(name=f"Shots ({len(shot_list.shots)}, {total:.1f}s)", value=shot_lines(clip) or "—",
                    inline=False)
    embed.add_field(name="Style", value=clip_text(shot_list.bible.style, 300), inline=False)
    if shot_list.notes:
        embed.add_field(name="Note", value=clip_text_lines("\n".join(shot_list.notes), 1000), inline=False)
    seeds = ", ".join(str(recipe["seed"]) for recipe in clip.recipes)
    embed.add_field(name="Seed" if len(clip.recipes) == 1 else "Seeds", value=clip_text(seeds, 200))
    embed.add_field(name="Model", value=clip.model)
    if reused:
        embed.add_field(name="Reused", value=f"{reused} shot{'s' * (reused != 1)} from earlier renders")
    if gallery:
        embed.url = gallery
        embed.add_field(name="Gallery", value=f"[Open in gallery]({gallery})", inline=False)
    if image:
        embed.set_image(url=f"attachment://{image}")
    embed.set_footer(text=f"Clip #{clip.id} · reply to the clip with a change to remix it")
    return embed


def full_clip_line(gallery: str | None, *, left_out: bool, reduced: bool = False, what: str = "clip") -> str:
    """Where to watch a video (`what`: clip, film) the post could not carry whole: left out (too large even
    at low quality) or re-encoded smaller to fit the upload limit. "" with nothing to add or no gallery link."""
    if gallery is None or not (left_out or reduced):
        return ""
    # <…> keeps Discord from unfurling the link into a second preview.
    return f"▶️ Watch the full {what}: <{gallery}>" if left_out else f"▶️ Full quality in the gallery: <{gallery}>"


def details_embed(clip: Clip, recipe: str, family: str) -> discord.Embed:
    embed = discord.Embed(title=f"Clip #{clip.id}: recipe", description=clip_text_lines(recipe, 3900), colour=ACCENT)
    if family:
        embed.add_field(name="Remix family", value=f"```\n{clip_text_lines(family, FIELD_CHARS - 10)}\n```",
                        inline=False)
    return embed


def queue_lines(views: list[JobView], *, show_author: bool) -> str:
    if not views:
        return "Nothing queued right now. Make something with `/video`!"
    lines = []
    for view in views:
        author = f" · by {view.clip.author_name}" if show_author else ""
        lines.append(f"**#{view.clip.id}** {clip_text(view.clip.request, 60)}{author}\n  {progress_line(view)}")
    return clip_text_lines("\n".join(lines), 1900)


def settings_embed(settings: GuildSettings) -> discord.Embed:
    embed = discord.Embed(title="Reelbot settings for this server", colour=ACCENT)
    for field in dataclasses.fields(settings):
        embed.add_field(name=field.name, value=setting_value(field.name, getattr(settings, field.name)))
    embed.set_footer(text="Change one with /settings set; the value `default` restores the default.")
    return embed


def setting_value(name: str, value: object) -> str:
    if name == "allowed_channels":
        return ", ".join(f"<#{channel}>" for channel in value) or "every channel"  # type: ignore[union-attr]
    if name == "moderator_roles":
        return ", ".join(f"<@&{role}>" for role in value) or "none"  # type: ignore[union-attr]
    if name == "upload_limit":
        return f"{value / 1024 / 1024:g} MB"  # type: ignore[operator]
    if isinstance(value, list):
        return clip_text(", ".join(map(str, value)), 200) or "none"
    if value is None:
        return "bot default"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return clip_text(str(value), 200)


HELP = (
    ("/video prompt", "Make a clip from a casual request. Options: shots, model, seed, aspect, duration, style, "
                      "negative, draft."),
    ("Buttons on a clip", "Remix (say what to change), Re-roll (new seeds), Vary (a new look), Extend (one more "
                          "shot), Enter challenge (in the running challenge), Delete (author or admin), Details "
                          "(recipe and remix family)."),
    ("Reply to a clip", "Reply to a posted clip with a change, e.g. `make it noir` or `shot 2: the monster roars`."),
    ("/remix clip change", "Remix a clip by number or message link."),
    ("/clip id · /lineage clip", "Show a clip, or its remix family tree."),
    ("/queue", "Your renders, their place in the queue, and cancelling them."),
    ("/settings", "Server admins: allowed channels, default model, limits, safety level."),
    ("/challenge", "Themed contests: enter a clip, vote with the announcement's buttons (one vote, not for "
                   "yourself), results at the deadline. list · show · submit · vote · results; admins and "
                   "moderators start and close them."),
    ("/relay add text", "Add the next shot to a relay film; I post the film as it grows and the final cut."),
    ("/profile", "Clips, remixes others made of them, challenge wins and relay shots."),
)


def help_embed() -> discord.Embed:
    embed = discord.Embed(title="Reelbot", description="Casual requests in, multi-shot videos out.", colour=ACCENT)
    for name, text in HELP:
        embed.add_field(name=name, value=text, inline=False)
    return embed
