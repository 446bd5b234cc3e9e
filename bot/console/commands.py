"""The console's commands for making and following clips: `/help`, `/as`, `/queue`, `/cancel`, `/clip`,
`/remix`, `/reroll`, `/vary`, `/image`, `/takes`, `/pick`, `/finalize`, `/lineage`, `/recipe`, `/gallery`, `/optout`,
`/notify`, `/forget` and `/settings`."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from bot.console.replies import describe_accepted, progress_line
from bot.console.session import (CONSOLE_GUILD, USAGES, ConsoleSession, Usage, command, console_member, console_origin,
                                 usage_of)
from bot.console.stills_commands import clip_storyboard, pick_in_storyboard, reroll_in_storyboard
from bot.gallery.app import GalleryUnavailable, start_gallery
from bot.gallery.links import GalleryLinks
from bot.forget_texts import forget_warning, forgotten_text
from bot.i18n import N_, _, say
from bot.i18n import current as current_language
from bot.setting_texts import changed_text, setting_text
from bot.stages import clip_state_text
from common.text import Text
from studio import notices
from studio import remix as remixing
from studio.converters import to_id, to_shot_number, to_take_number, to_whole_number
from studio.lineage import lineage, lineage_image, lineage_text
from studio.members import author_text
from studio.pictures import read_picture_file
from studio.shots import MAX_TAKES
from studio.server_settings import ShownSetting
from studio.takes import finalize, pick
from studio.variations import vary


@command("help", "/help [COMMAND]", "/help pick",
         N_("every command with its syntax and an example, or one command's"))
async def _help(session: ConsoleSession, arg: str) -> str:
    name = arg.strip().lstrip("/")
    if name:
        if name not in USAGES:
            return _("unknown command /{name}; type /help", name=name)
        return describe_usage(USAGES[name])
    lines = [_("Type a request to make a clip, e.g. {example}. Commands:",
               example=_("a fox runs through the snow at dusk, 3 shots"))]
    lines += [describe_usage(USAGES[name]) for name in sorted(USAGES)]
    lines.append(_("/quit\n    leave the console (clips still rendering go on, and are shown at the next start)"))
    return "\n".join(lines)


def describe_usage(usage: Usage) -> str:
    """One command in `/help`: its syntax, then what it does and an example, in the member's language."""
    return f"{usage.syntax}\n    " + _("{about} · e.g. {example}", about=_(usage.about), example=usage.example)


@command("as", "/as [NAME]", "/as bob",
         N_("act as another member (to try remixes and votes); alone, who you are"))
async def _as(session: ConsoleSession, name: str) -> str:
    if not name:
        return _("you are {name}", name=session.member.name)
    session.member = console_member(name)
    return _("you are now {name}", name=name)


@command("queue", "/queue", "/queue",
         N_("your clips waiting or rendering, with where they stand"))
async def _queue(session: ConsoleSession, _arg: str) -> str:
    views = await session.studio.my_jobs(session.member)
    return "\n".join(progress_line(view) for view in views) or _("nothing queued")


@command("cancel", "/cancel JOB", "/cancel 4",
         N_("cancel a queued or rendering job"))
async def _cancel(session: ConsoleSession, arg: str) -> str:
    job = await session.studio.cancel(session.member, to_id(arg, "job"))
    return _("cancelled job {job_id} (clip #{clip_id})", job_id=job.id, clip_id=job.clip_id)


@command("clip", "/clip CLIP", "/clip 3",
         N_("a clip: its author, where it stands, its request and video"))
async def _clip(session: ConsoleSession, arg: str) -> str:
    clip = await session.studio.visible_clip(session.member, to_id(arg))
    board = await clip_storyboard(session, clip.id)
    state = clip_state_text(clip.status, None if board is None else board.storyboard.status)
    video = clip.video_path or _("not rendered yet")
    return _("clip #{clip_id} by {author} [{status}]: {request}\nvideo: {video}", clip_id=clip.id,
             author=say(author_text(clip)), status=state, request=clip.request, video=video)


@command("remix", "/remix CLIP CHANGE", "/remix 3 make shot 2 at night",
         N_("a new clip from one of yours or another's: only the shots you change render again"))
async def _remix(session: ConsoleSession, arg: str) -> str:
    ref, _sep, text = arg.partition(" ")
    clip = await remixing.resolve_clip(session.studio, ref, session.member)
    return await _queue_remix(session, clip.id, remixing.parse_change(text))


@command("reroll", "/reroll CLIP [SHOT]", "/reroll 3 2",
         N_("new seeds: a still of a storyboard, else a remix of the clip"))
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


@command("image", "/image PATH | /image off", "/image ~/Pictures/fox.png",
         N_("the next request starts from this picture"))
async def _image(session: ConsoleSession, arg: str) -> str:
    """`/image PATH`: the next request starts from this picture; `/image off` forgets it."""
    if arg.lower() in ("", "off", "none"):
        session.picture = None
        return _("the next request starts from nothing but its text")
    picture = await asyncio.to_thread(read_picture_file, Path(arg), session.studio.config.media_dir)
    session.picture = str(picture.path)
    return _("the next request starts from {path} ({width}x{height}, picture {picture})", path=arg,
             width=picture.width, height=picture.height, picture=picture.sha256[:12])


@command("takes", "/takes N REQUEST", "/takes 3 a fox in the snow",
         N_("N stills of every shot to /pick from, then /animate"))
async def _takes(session: ConsoleSession, arg: str) -> str:
    """`/takes N request`: N stills of every shot to `/pick` from, then `/animate`."""
    count, _sep, text = arg.partition(" ")
    return await session.create(text, takes=to_whole_number(count, "takes", 2, MAX_TAKES))


@command("pick", "/pick CLIP TAKE [SHOT]", "/pick 6 2",
         N_("pick a take of a storyboard's stills, of one shot or every shot"))
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


@command("finalize", "/finalize CLIP [MODEL]", "/finalize 3",
         N_("the draft in full quality (on MODEL)"))
async def _finalize(session: ConsoleSession, arg: str) -> str:
    """`/finalize CLIP [MODEL]`: the draft in full quality (on MODEL)."""
    ref, _sep, model = arg.partition(" ")
    clip = await remixing.resolve_clip(session.studio, ref, session.member)
    accepted = await finalize(session.studio, session.member, clip.id, model=model.strip() or None,
                              origin=console_origin())
    session.watch(accepted)
    return f"{describe_accepted(accepted)}\n{say(Text.loads(accepted.clip.remix_note))}"


@command("vary", "/vary CLIP", "/vary 3",
         N_("Vary (subtle): the same shots with new detail"))
async def _vary(session: ConsoleSession, arg: str) -> str:
    """`/vary CLIP`: the same shots with new detail (Vary (subtle)); `/reroll` is the strong variation."""
    clip = await remixing.resolve_clip(session.studio, arg, session.member)
    accepted = await vary(session.studio, session.member, clip.id, origin=console_origin())
    session.watch(accepted)
    return f"{describe_accepted(accepted)}\n{say(Text.loads(accepted.clip.remix_note))}"


@command("lineage", "/lineage CLIP", "/lineage 3",
         N_("a clip's remix family tree, as text and a picture"))
async def _lineage(session: ConsoleSession, arg: str) -> str:
    clip = await remixing.resolve_clip(session.studio, arg, session.member)
    tree = await lineage(session.studio, session.member, clip.id)
    out_path = session.studio.config.media_dir / "lineage" / f"clip-{clip.id}.png"
    image = await asyncio.to_thread(lineage_image, tree, out_path, say=say)
    return _("{tree}\nimage: {path}", tree=lineage_text(tree, say=say), path=image)


@command("recipe", "/recipe CLIP", "/recipe 3",
         N_("how each shot was made: model, seed, steps, prompt"))
async def _recipe(session: ConsoleSession, arg: str) -> str:
    clip = await remixing.resolve_clip(session.studio, arg, session.member)
    return "\n".join(map(say, await remixing.recipe_card(session.studio, session.member, clip.id)))


@command("gallery", "/gallery [CLIP]", "/gallery 3",
         N_("serve the web gallery and print the link to the console's clips, or one clip"))
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


@command("optout", "/optout on|off", "/optout on",
         N_("whether others may remix your clips"))
async def _optout(session: ConsoleSession, arg: str) -> str:
    if arg not in ("on", "off"):
        return usage_of("optout")
    if await remixing.set_opt_out(session.studio, session.member, arg == "on"):
        return _("others can no longer remix your clips")
    return _("others may remix your clips again")


@command("notify", "/notify on|off", "/notify off",
         N_("whether you are told when someone remixes one of your clips"))
async def _notify(session: ConsoleSession, arg: str) -> str:
    """/notify on|off: whether you are told when someone remixes one of your clips."""
    if arg not in ("on", "off"):
        return usage_of("notify")
    if await notices.set_notices(session.studio, session.member, arg == "on"):
        return _("you'll be told when someone remixes your clips")
    return _("you won't be told when someone remixes your clips")


@command("forget", "/forget me [confirm] | /forget member NAME [confirm]", "/forget me",
         N_("delete or anonymize a member's data; asks first, then type the command again with confirm"))
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
        return usage_of("forget")
    if not confirmed:
        session.studio.check_may_forget(member, user_id if user_id is not None else member.id)
        return _("{warning}\nTo go ahead, type: {command}", warning=forget_warning(whose), command=again)
    return forgotten_text(await session.studio.forget(member, user_id), whose)


@command("settings", "/settings [show] | /settings set KEY VALUE", "/settings set max_shots 4",
         N_("this installation's settings; `default` as VALUE restores a default"))
async def _settings(session: ConsoleSession, arg: str) -> str:
    """Every setting with the value in effect and where it comes from (`/settings`, `/settings show`), or one
    changed (`/settings set KEY VALUE`): the console's operator runs the bot, so they manage its settings."""
    action, _sep, rest = arg.partition(" ")
    key, _sep, value = rest.strip().partition(" ")
    if action == "set" and key and value.strip():
        await session.studio.change_setting(CONSOLE_GUILD, key, value, by_user_id=session.member.id)
        [changed] = [s for s in await session.studio.settings_shown(CONSOLE_GUILD) if s.name == key.strip()]
        return _("{key} is now {value}", key=changed.name, value=_console_setting(changed, changed=True))
    if action not in ("show", "") or rest.strip():  # `/settings set` without its key and value, or a typo
        return usage_of("settings")
    shown = await session.studio.settings_shown(CONSOLE_GUILD)
    lines = [f"{setting.name}: {_console_setting(setting)}" for setting in shown]
    return "\n".join(lines if action else [*lines, usage_of("settings")])


def _console_setting(shown: ShownSetting, *, changed: bool = False) -> str:
    return (changed_text if changed else setting_text)(
        shown, channel=lambda channel: f"#{channel}", role=str,
        language=_("the console's language ({language})", language=current_language()))
