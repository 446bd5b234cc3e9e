"""The console's commands for making and following clips: `/help`, `/as`, `/queue`, `/cancel`, `/clip`,
`/remix`, `/reroll`, `/vary`, `/image`, `/takes`, `/pick`, `/finalize`, `/lineage`, `/recipe`, `/gallery`, `/optout`,
`/notify`, `/forget` and `/settings`."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from bot.console.replies import describe_accepted, progress_line
from bot.console.session import COMMANDS, CONSOLE_GUILD, ConsoleSession, command, console_member, console_origin
from bot.console.stills_commands import pick_in_storyboard, reroll_in_storyboard
from bot.gallery.app import GalleryUnavailable, start_gallery
from bot.gallery.links import GalleryLinks
from bot.forget_texts import forget_warning, forgotten_text
from bot.i18n import _, say
from common.text import Text
from studio import notices
from studio import remix as remixing
from studio.converters import to_id, to_shot_number, to_take_number, to_whole_number
from studio.lineage import lineage, lineage_image, lineage_text
from studio.members import author_text
from studio.pictures import read_picture_file
from studio.shots import MAX_TAKES
from studio.takes import finalize, pick
from studio.variations import vary


@command("help")
async def _help(session: ConsoleSession, _arg: str) -> str:
    lines = [_("type a request to make a clip, or:")] + [f"  /{name}" for name in sorted(COMMANDS)]
    return "\n".join(lines)


@command("as")
async def _as(session: ConsoleSession, name: str) -> str:
    if not name:
        return _("you are {name}", name=session.member.name)
    session.member = console_member(name)
    return _("you are now {name}", name=name)


@command("queue")
async def _queue(session: ConsoleSession, _arg: str) -> str:
    views = await session.studio.my_jobs(session.member)
    return "\n".join(progress_line(view) for view in views) or _("nothing queued")


@command("cancel")
async def _cancel(session: ConsoleSession, arg: str) -> str:
    job = await session.studio.cancel(session.member, to_id(arg, "job"))
    return _("cancelled job {job_id} (clip #{clip_id})", job_id=job.id, clip_id=job.clip_id)


@command("clip")
async def _clip(session: ConsoleSession, arg: str) -> str:
    clip = await session.studio.visible_clip(session.member, to_id(arg))
    return _("clip #{clip_id} by {author} [{status}]: {request}\nvideo: {video}", clip_id=clip.id,
             author=say(author_text(clip)), status=clip.status, request=clip.request, video=clip.video_path)


@command("remix")
async def _remix(session: ConsoleSession, arg: str) -> str:
    ref, _sep, text = arg.partition(" ")
    clip = await remixing.resolve_clip(session.studio, ref, session.member)
    return await _queue_remix(session, clip.id, remixing.parse_change(text))


@command("reroll")
async def _reroll(session: ConsoleSession, arg: str) -> str:
    """`/reroll CLIP [SHOT]`: a new seed; a still of a storyboard, else a remix of the clip."""
    ref, _sep, shot = arg.partition(" ")
    clip = await remixing.resolve_clip(session.studio, ref, session.member)
    in_storyboard = await reroll_in_storyboard(session, clip.id, shot)
    if in_storyboard is not None:
        return in_storyboard
    return await _queue_remix(session, clip.id, remixing.RemixChange("reroll", shot=to_shot_number(shot)))


async def _queue_remix(session: ConsoleSession, clip_id: int, change: remixing.RemixChange) -> str:
    accepted = await remixing.remix(session.studio, session.member, clip_id, change, origin=console_origin())
    session.watch(accepted)
    credit = await remixing.credit(session.studio, accepted.clip)
    return _("{plan}\n{credit}: {note}", plan=describe_accepted(accepted), credit=say(credit),
             note=say(Text.loads(accepted.clip.remix_note)))


@command("image")
async def _image(session: ConsoleSession, arg: str) -> str:
    """`/image PATH`: the next request starts from this picture; `/image off` forgets it."""
    if arg.lower() in ("", "off", "none"):
        session.picture = None
        return _("the next request starts from nothing but its text")
    picture = await asyncio.to_thread(read_picture_file, Path(arg), session.studio.config.media_dir)
    session.picture = str(picture.path)
    return _("the next request starts from {path} ({width}x{height}, picture {picture})", path=arg,
             width=picture.width, height=picture.height, picture=picture.sha256[:12])


@command("takes")
async def _takes(session: ConsoleSession, arg: str) -> str:
    """`/takes N request`: N stills of every shot to `/pick` from, then `/animate`."""
    count, _sep, text = arg.partition(" ")
    return await session.create(text, takes=to_whole_number(count, "takes", 2, MAX_TAKES))


@command("pick")
async def _pick(session: ConsoleSession, arg: str) -> str:
    """`/pick CLIP TAKE [SHOT]`: pick a take of a storyboard's stills (of one shot, or every shot); for a
    clip of video takes made before takes were stills, render the full clip from that take."""
    ref, _sep, take = arg.partition(" ")
    clip = await remixing.resolve_clip(session.studio, ref, session.member)
    in_storyboard = await pick_in_storyboard(session, clip.id, take)
    if in_storyboard is not None:
        return in_storyboard
    accepted = await pick(session.studio, session.member, clip.id, to_take_number(take),
                          origin=console_origin())
    session.watch(accepted)
    return f"{describe_accepted(accepted)}\n{say(Text.loads(accepted.clip.remix_note))}"


@command("finalize")
async def _finalize(session: ConsoleSession, arg: str) -> str:
    """`/finalize CLIP [MODEL]`: the draft in full quality (on MODEL)."""
    ref, _sep, model = arg.partition(" ")
    clip = await remixing.resolve_clip(session.studio, ref, session.member)
    accepted = await finalize(session.studio, session.member, clip.id, model=model.strip() or None,
                              origin=console_origin())
    session.watch(accepted)
    return f"{describe_accepted(accepted)}\n{say(Text.loads(accepted.clip.remix_note))}"


@command("vary")
async def _vary(session: ConsoleSession, arg: str) -> str:
    """`/vary CLIP`: the same shots with new detail (Vary (subtle)); `/reroll` is the strong variation."""
    clip = await remixing.resolve_clip(session.studio, arg, session.member)
    accepted = await vary(session.studio, session.member, clip.id, origin=console_origin())
    session.watch(accepted)
    return f"{describe_accepted(accepted)}\n{say(Text.loads(accepted.clip.remix_note))}"


@command("lineage")
async def _lineage(session: ConsoleSession, arg: str) -> str:
    clip = await remixing.resolve_clip(session.studio, arg, session.member)
    tree = await lineage(session.studio, session.member, clip.id)
    out_path = session.studio.config.media_dir / "lineage" / f"clip-{clip.id}.png"
    image = await asyncio.to_thread(lineage_image, tree, out_path, say=say)
    return _("{tree}\nimage: {path}", tree=lineage_text(tree, say=say), path=image)


@command("recipe")
async def _recipe(session: ConsoleSession, arg: str) -> str:
    clip = await remixing.resolve_clip(session.studio, arg, session.member)
    return "\n".join(map(say, await remixing.recipe_card(session.studio, session.member, clip.id)))


@command("gallery")
async def _gallery(session: ConsoleSession, arg: str) -> str:
    """/gallery [clip]: serve the web gallery (once) and print the signed link to the console's clips."""
    config = session.studio.config
    clip = await remixing.resolve_clip(session.studio, arg, session.member) if arg else None
    if session.gallery is None:
        try:
            session.gallery = await start_gallery(config, session.studio)
        except GalleryUnavailable as error:
            return _("error: {message}", message=str(error))
    links = GalleryLinks.of(config)
    guild_id = session.member.guild_id if session.member.guild_id is not None else CONSOLE_GUILD
    return links.clip(guild_id, clip.id) if clip is not None else links.server(guild_id)


@command("optout")
async def _optout(session: ConsoleSession, arg: str) -> str:
    if arg not in ("on", "off"):
        return _("usage: {usage}", usage="/optout on|off")
    if await remixing.set_opt_out(session.studio, session.member, arg == "on"):
        return _("others can no longer remix your clips")
    return _("others may remix your clips again")


@command("notify")
async def _notify(session: ConsoleSession, arg: str) -> str:
    """/notify on|off: whether you are told when someone remixes one of your clips."""
    if arg not in ("on", "off"):
        return _("usage: {usage}", usage="/notify on|off")
    if await notices.set_notices(session.studio, session.member, arg == "on"):
        return _("you'll be told when someone remixes your clips")
    return _("you won't be told when someone remixes your clips")


@command("forget")
async def _forget(session: ConsoleSession, arg: str) -> str:
    """`/forget me [confirm]` | `/forget member NAME [confirm]`: what a forget deletes, then, with `confirm` (as
    Discord's Forget button), delete or anonymize the member's requests, clips and their files, votes, profile."""
    words = arg.split()
    confirmed = len(words) > 1 and words[-1].lower() == "confirm"
    if confirmed:
        words = words[:-1]
    if words == ["me"]:
        member, whose, user_id = session.member, None, None
        again = "/forget me confirm"
    elif len(words) > 1 and words[0] == "member":
        name = " ".join(words[1:])
        # The console's operator runs the console, so they moderate it.
        member, whose, user_id = replace(session.member, can_moderate=True), name, console_member(name).id
        again = f"/forget member {name} confirm"
    else:
        return _("usage: {usage}", usage="/forget me | /forget member <name>")
    if not confirmed:
        session.studio.check_may_forget(member, user_id if user_id is not None else member.id)
        return _("{warning}\nTo go ahead, type: {command}", warning=forget_warning(whose), command=again)
    return forgotten_text(await session.studio.forget(member, user_id), whose)


@command("settings")
async def _settings(session: ConsoleSession, arg: str) -> str:
    """/settings show | set <key> <value> (`default` restores a default)"""
    action, _sep, rest = arg.partition(" ")
    key, _sep, value = rest.strip().partition(" ")
    if action == "set" and key and value.strip():
        # Whoever types at the console runs the bot, so they manage its settings.
        settings = await session.studio.change_setting(CONSOLE_GUILD, key, value, by_user_id=session.member.id)
    elif action in ("show", ""):
        settings = await session.studio.settings(CONSOLE_GUILD)
    else:
        return _("usage: {usage}", usage=" ".join((_settings.__doc__ or "").split()))
    return "\n".join(f"{name}: {getattr(settings, name)}" for name in session.studio.setting_names())
