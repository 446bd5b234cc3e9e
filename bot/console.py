"""Console front-end: the same Studio the Discord bot drives, with stdin/stdout as the chat."""
from __future__ import annotations

import argparse
import functools
import asyncio
import getpass
import sys
import zlib
from pathlib import Path
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TextIO

from aiohttp import web

from bot.gallery.app import GalleryUnavailable, start_gallery
from bot.gallery.links import GalleryLinks
from studio import profiles
from studio import remix as remixing
from prompts.schema import MAX_SHOT_SECONDS, MAX_SHOTS, MIN_SHOT_SECONDS
from studio.challenges import (
    MAX_RELAY_TURNS, ChallengeRules, ChallengeService, ChallengeView, DeadlineLoop, RelayResults, Results,
)  # fmt: skip
from studio.config import Config
from studio.converters import format_duration, to_bool, to_id, to_seconds, to_shot_number, to_whole_number
from bot.stages import place_text, stage_text, waiting_reason
from bot.i18n import _, error_message, ngettext, say, say_in
from bot.i18n import current as current_language
from common.text import Text
from common.errors import ReelbotError
from studio.lineage import lineage, lineage_image, lineage_text
from studio.resume import resume_requests
from studio.runtime import follow_job, open_studio, workers_for
from studio.pictures import read_picture_file
from studio.job_views import JobView
from studio.members import Member, author_text
from studio.requests import Accepted, VideoOptions
from studio.service import Studio
from studio.shots import MAX_TAKES
from studio.takes import finalize, pick

# The console's transport name, and its one server and channel.
CONSOLE = "console"
CONSOLE_GUILD = 0
CONSOLE_CHANNEL = 0


async def _console_speaking(_guild_id: int | None) -> Callable[[Text], str]:
    """The console's one reader: texts in the session's language (the `--lang` of the run)."""
    return functools.partial(say_in, current_language())


def console_member(name: str) -> Member:
    # A stable id per name, so `/as alice` is the same member across sessions (lineage, votes).
    return Member(
        id=zlib.crc32(name.encode()) or 1, name=name, guild_id=CONSOLE_GUILD, channel_id=CONSOLE_CHANNEL,
        transport=CONSOLE,
    )  # fmt: skip


def progress_line(view: JobView) -> str:
    job = view.job
    if job.status == "queued" and view.estimate is not None:
        return _("clip #{clip_id}: queued, {place}, ~{seconds:.0f}s", clip_id=view.clip.id,
                 place=place_text(view.estimate), seconds=view.estimate.eta_seconds) + waiting_reason(job)
    bar = "#" * round(job.progress * 20)
    return _("clip #{clip_id}: [{bar}] {percent} {stage}", clip_id=view.clip.id, bar=f"{bar:<20}",
             percent=f"{job.progress:4.0%}", stage=stage_text(job.stage))


def describe_accepted(accepted: Accepted) -> str:
    """The plan as queued: each shot with the length it renders at, the style, and what could not be done."""
    seconds = Studio.shot_seconds(accepted.clip)
    shot_list = accepted.shot_list
    shots = "\n".join(
        f"  {index + 1}. [{length:.1f}s, {shot.camera}] {shot.action}"
        for index, (shot, length) in enumerate(zip(shot_list.shots, seconds, strict=True))
    )
    reused = ngettext(" ({n} shot reused from earlier renders)", " ({n} shots reused from earlier renders)",
                      accepted.reused) if accepted.reused else ""
    notes = "".join("\n  " + _("note: {note}", note=say(note)) for note in (*shot_list.notes, *accepted.notes))
    total = sum(seconds)
    head = _('clip #{clip_id} "{title}" via {backend}{reused}, {seconds:.1f}s', clip_id=accepted.clip.id,
             title=shot_list.title, backend=shot_list.backend, reused=reused, seconds=total)
    style = _("  style: {style}", style=shot_list.bible.style)
    return f"{head}\n{style}\n{shots}{notes}"


def describe_result(view: JobView) -> str:
    if view.job.status == "done":
        return _("clip #{clip_id} ready\nvideo: {video}\nstoryboard: {storyboard}", clip_id=view.clip.id,
                 video=view.clip.video_path, storyboard=view.clip.storyboard_path)
    if view.job.status == "cancelled":
        return _("clip #{clip_id} cancelled", clip_id=view.clip.id)
    reason = say(view.job.reason) or _("no reason given")
    return _("clip #{clip_id} failed: {reason}", clip_id=view.clip.id, reason=reason)


async def generate_once(config: Config, args: argparse.Namespace) -> int:
    """Render one request with an in-process worker; prints the video and storyboard paths."""
    studio = open_studio(config)
    workers = workers_for(config, separate_processes=False).start()
    try:
        try:
            image = getattr(args, "image", None)
            picture = None if image is None else read_picture_file(image, config.media_dir)
            options = VideoOptions(
                shots=args.shots, seed=args.seed, aspect=args.aspect, duration=args.duration, style=args.style,
                draft=args.draft, image=None if picture is None else str(picture.path),
            )  # fmt: skip
            accepted = await studio.create(console_member(getpass.getuser()), args.request, options)
        except ReelbotError as error:
            print(_("error: {message}", message=error_message(error)), file=sys.stderr)
            return 2
        print(describe_accepted(accepted), file=sys.stderr)

        async def show(view: JobView) -> None:
            print(progress_line(view), file=sys.stderr)

        view = await follow_job(studio, accepted.job.id, show, interval=0.5)
        await studio.mark_delivered(view.job)
        if view.job.status != "done":
            print(describe_result(view), file=sys.stderr)
            return 1
        print(view.clip.video_path)
        print(view.clip.storyboard_path)
        return 0
    finally:
        workers.stop()
        await studio.aclose()


Command = Callable[["ConsoleSession", str], Awaitable[str]]

# Every console command, by name; a feature's commands add themselves with `@command(name)`.
COMMANDS: dict[str, Command] = {}


def command(name: str) -> Callable[[Command], Command]:
    """Register the decorated coroutine as `/name`; it takes the session and the rest of the line."""

    def register(handler: Command) -> Command:
        COMMANDS[name] = handler
        return handler

    return register


@dataclass
class ConsoleSession:
    """One console user's state; `handle` maps a typed line to the text to print."""

    studio: Studio
    member: Member
    out: TextIO = sys.stdout
    watchers: set[asyncio.Task] = field(default_factory=set)
    # The picture (`/image PATH`) the next request starts from.
    picture: str | None = None
    # One per session, so a challenge started here wakes the session's DeadlineLoop.
    challenges: ChallengeService = field(init=False)
    # The web gallery, once `/gallery` started it; `close` stops it.
    gallery: web.AppRunner | None = None

    def __post_init__(self) -> None:
        self.challenges = ChallengeService(self.studio, speaking=_console_speaking)

    async def close(self) -> None:
        if self.gallery is not None:
            await self.gallery.cleanup()
            self.gallery = None

    async def handle(self, line: str) -> str:
        line = line.strip()
        if not line:
            return ""
        if not line.startswith("/"):
            return await self.create(line)
        name, _sep, rest = line[1:].partition(" ")
        command = COMMANDS.get(name)
        if command is None:
            return _("unknown command /{name}; type /help", name=name)
        try:
            return await command(self, rest.strip())
        except ReelbotError as error:
            return _("error: {message}", message=error_message(error))

    async def create(self, text: str, takes: int | None = None) -> str:
        try:
            accepted = await self.studio.create(self.member, text, VideoOptions(image=self.picture, takes=takes))
        except ReelbotError as error:
            return _("error: {message}", message=error_message(error))
        self.picture = None
        self.watch(accepted)
        return describe_accepted(accepted)

    def watch(self, accepted: Accepted) -> None:
        async def report() -> None:
            view = await follow_job(self.studio, accepted.job.id, None, interval=0.5)
            await self.studio.mark_delivered(view.job)
            print(describe_result(view), file=self.out, flush=True)

        task = asyncio.create_task(report())
        self.watchers.add(task)
        task.add_done_callback(self.watchers.discard)


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
    ref, _sep, shot = arg.partition(" ")
    clip = await remixing.resolve_clip(session.studio, ref, session.member)
    return await _queue_remix(session, clip.id, remixing.RemixChange("reroll", shot=to_shot_number(shot)))


async def _queue_remix(session: ConsoleSession, clip_id: int, change: remixing.RemixChange) -> str:
    accepted = await remixing.remix(session.studio, session.member, clip_id, change)
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
    """`/takes N request`: N draft takes of the first shot to `/pick` from."""
    count, _sep, text = arg.partition(" ")
    return await session.create(text, takes=to_whole_number(count, "takes", 2, MAX_TAKES))


@command("pick")
async def _pick(session: ConsoleSession, arg: str) -> str:
    """`/pick CLIP TAKE`: render the full clip from one take."""
    ref, _sep, take = arg.partition(" ")
    clip = await remixing.resolve_clip(session.studio, ref, session.member)
    accepted = await pick(session.studio, session.member, clip.id, to_whole_number(take, "take", 1, MAX_TAKES))
    session.watch(accepted)
    return f"{describe_accepted(accepted)}\n{say(Text.loads(accepted.clip.remix_note))}"


@command("finalize")
async def _finalize(session: ConsoleSession, arg: str) -> str:
    """`/finalize CLIP [MODEL]`: the draft in full quality (on MODEL)."""
    ref, _sep, model = arg.partition(" ")
    clip = await remixing.resolve_clip(session.studio, ref, session.member)
    accepted = await finalize(session.studio, session.member, clip.id, model=model.strip() or None)
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


@command("forget")
async def _forget(session: ConsoleSession, arg: str) -> str:
    """/forget me | /forget member <name>: delete or anonymize a member's requests, clips, votes, profile."""
    what, _sep, name = arg.partition(" ")
    if what == "me":
        forgotten = await session.studio.forget(session.member)
    elif what == "member" and name.strip():
        # The console's operator runs the console, so they moderate it.
        operator = replace(session.member, can_moderate=True)
        forgotten = await session.studio.forget(operator, console_member(name.strip()).id)
    else:
        return _("usage: {usage}", usage="/forget me | /forget member <name>")
    return ngettext("forgotten: {n} record deleted or anonymized", "forgotten: {n} records deleted or anonymized",
                    forgotten.total)


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


# --- challenges, relays and profiles ----------------------------------------------------------------
# The console runs no DeadlineLoop: each of these commands first closes challenges whose deadline has
# passed, so their results show up at the next command.

_RULE_KEYS = ("max_shots", "model", "remixes", "max_turns", "shot_seconds")


def _rules(text: str) -> tuple[str, ChallengeRules]:
    """Split `key=value` rule options off a theme: max_shots, model, remixes, max_turns, shot_seconds."""
    words, options = [], {}
    for word in text.split():
        key, sep, value = word.partition("=")
        if sep and key in _RULE_KEYS:
            options[key] = value
        else:
            words.append(word)
    max_shots, max_turns, shot_seconds = (options.get(key) for key in ("max_shots", "max_turns", "shot_seconds"))
    rules = ChallengeRules(
        max_shots=None if max_shots is None else to_whole_number(max_shots, "max_shots", 1, MAX_SHOTS),
        model=options.get("model"),
        allow_remixes=to_bool(options.get("remixes", "yes"), "remixes"),
        max_turns=None if max_turns is None else to_whole_number(max_turns, "max_turns", 2, MAX_RELAY_TURNS),
        shot_seconds=None
        if shot_seconds is None
        else to_seconds(shot_seconds, "shot_seconds", MIN_SHOT_SECONDS, MAX_SHOT_SECONDS),
    )
    return " ".join(words), rules


def describe_challenge(view: ChallengeView) -> str:
    challenge = view.challenge
    if view.is_open:
        state = _("open, {left} left", left=say(format_duration(view.time_left)))
    else:
        state = _("closed") if challenge.status == "closed" else _("ended, results coming")
    heading = (_("relay #{challenge_id}: {theme} [{state}]") if challenge.kind == "relay"
               else _("challenge #{challenge_id}: {theme} [{state}]"))
    lines = [heading.format(challenge_id=challenge.id, theme=challenge.theme, state=state)]
    if view.rules.describe():
        lines.append(_("rules: {rules}", rules=", ".join(map(say, view.rules.describe()))))
    if challenge.kind == "vote":
        lines.append(ngettext("{n} entry", "{n} entries", len(view.entries)))
        lines += [_('  clip #{clip_id} "{title}" by {author}', clip_id=e.clip.id, title=e.title,
                    author=say(author_text(e.clip))) for e in view.entries]
    else:
        lines += [_("  shot {position} by {author} [{status}]: {text}", position=t.turn.position,
                    author=t.author_name, status=t.status, text=t.turn.text) for t in view.turns]
    if view.results is not None:
        lines.append(describe_results(view.results))
    return "\n".join(lines)


def describe_results(results: Results) -> str:
    challenge = results.challenge
    if isinstance(results, RelayResults):
        film = results.film
        lines = [_('relay #{challenge_id} "{theme}" final cut: {film}', challenge_id=challenge.id,
                   theme=challenge.theme, film=film.path or _("no shot was rendered"))]
        lines += [_("  shot {position} by {author}: {text}", position=s.turn.position, author=s.author_name,
                    text=s.turn.text) for s in film.shots]
        if film.pending:
            lines.append(ngettext("  ({n} shot still rendering, not in this cut)",
                                  "  ({n} shots still rendering, not in this cut)", len(film.pending)))
        return "\n".join(lines)
    lines = [ngettext('challenge #{challenge_id} "{theme}" results: {n} vote',
                      'challenge #{challenge_id} "{theme}" results: {n} votes', results.total_votes,
                      challenge_id=challenge.id, theme=challenge.theme)]
    lines += [
        ngettext('  {rank}. clip #{clip_id} "{title}" by {author}: {n} vote',
                 '  {rank}. clip #{clip_id} "{title}" by {author}: {n} votes', r.votes, rank=r.rank,
                 clip_id=r.clip.id, title=r.title, author=say(author_text(r.clip)))
        for r in results.ranking
    ]
    for winner in results.winners:
        credits = results.credits.get(winner.clip.id, [])
        if credits:
            sources = ", ".join(_("#{clip_id} by {author}", clip_id=c.clip_id, author=c.name) for c in credits)
            lines.append(_("  #{clip_id} builds on {sources}", clip_id=winner.clip.id, sources=sources))
    if not results.winners:
        lines.append(_("  no votes were cast, so there is no winner"))
    if results.leaderboard_path is not None:
        lines.append(_("leaderboard: {path}", path=results.leaderboard_path))
    return "\n".join(lines)


async def _caught_up(service: ChallengeService) -> list[str]:
    return [describe_results(results) for results in await service.run_due_events()]


def _operator(session: ConsoleSession) -> Member:
    # Whoever types at the console runs the bot, so they may start and end challenges.
    return replace(session.member, can_moderate=True)


@command("challenge")
async def _challenge(session: ConsoleSession, arg: str) -> str:
    """/challenge start <duration> <theme> [max_shots=N model=M remixes=no] | list | show <id> |
    submit <clip> [<challenge>] | vote <challenge> <clip> | close <id>"""
    service = session.challenges
    replies = await _caught_up(service)
    action, _sep, rest = arg.partition(" ")
    args = rest.split()
    if action == "start" and len(args) >= 2:
        theme, rules = _rules(" ".join(args[1:]))
        replies.append(describe_challenge(await service.start(_operator(session), theme, args[0], rules=rules)))
    elif action == "list":
        views = await service.list_challenges(session.member)
        replies.append("\n".join(describe_challenge(view).split("\n")[0] for view in views) or _("no challenges yet"))
    elif action == "show" and len(args) == 1:
        replies.append(describe_challenge(await service.show(session.member, to_id(args[0], "challenge"))))
    elif action == "submit" and len(args) in (1, 2):
        challenge_id = to_id(args[1], "challenge") if len(args) == 2 else None
        result = await service.submit(session.member, to_id(args[0], "clip"), challenge_id)
        if result.replaced:
            replies.append(_("clip #{clip_id} entered in challenge #{challenge_id}, replacing clip #{replaced}",
                             clip_id=result.entry.clip_id, challenge_id=result.challenge.id,
                             replaced=result.replaced.clip_id))
        else:
            replies.append(_("clip #{clip_id} entered in challenge #{challenge_id}", clip_id=result.entry.clip_id,
                             challenge_id=result.challenge.id))
    elif action == "vote" and len(args) == 2:
        result = await service.vote(session.member, to_id(args[0], "challenge"), to_id(args[1], "clip"))
        if result.changed:
            replies.append(_("vote for clip #{clip_id} in challenge #{challenge_id} recorded (moved from clip "
                             "#{previous})", clip_id=result.clip_id, challenge_id=result.challenge.id,
                             previous=result.previous_clip_id))
        else:
            replies.append(_("vote for clip #{clip_id} in challenge #{challenge_id} recorded",
                             clip_id=result.clip_id, challenge_id=result.challenge.id))
    elif action == "close" and len(args) == 1:
        replies.append(describe_results(await service.close(_operator(session), to_id(args[0], "challenge"))))
    else:
        replies.append(_("usage: {usage}", usage=" ".join((_challenge.__doc__ or "").split())))
    return "\n".join(replies)


@command("relay")
async def _relay(session: ConsoleSession, arg: str) -> str:
    """/relay start <duration> <theme> [max_turns=N model=M shot_seconds=S] | add [#relay] <text> |
    film [<relay>] | show <relay>"""
    service = session.challenges
    replies = await _caught_up(service)
    action, _sep, rest = arg.partition(" ")
    args = rest.split()
    if action == "start" and len(args) >= 2:
        theme, rules = _rules(" ".join(args[1:]))
        view = await service.start(_operator(session), theme, args[0], kind="relay", rules=rules)
        replies.append(describe_challenge(view))
    elif action == "add" and args:
        relay_id = to_id(args[0], "relay") if args[0].startswith("#") else None
        text = " ".join(args[1:] if relay_id is not None else args)
        added = await service.relay_add(session.member, text, relay_id)
        session.watch(added.accepted)
        replies.append(_("shot {position} of relay #{challenge_id}: {plan}", position=added.turn.position,
                         challenge_id=added.challenge.id, plan=describe_accepted(added.accepted)))
    elif action == "film" and len(args) <= 1:
        film = await service.relay_film(session.member, to_id(args[0], "relay") if args else None)
        line = _("film so far: no shot is rendered yet") if film.path is None else _("film so far: {path}", path=film.path)
        if film.pending:
            line += " " + ngettext("({n} shot still rendering)", "({n} shots still rendering)", len(film.pending))
        replies.append(line)
    elif action == "show" and len(args) == 1:
        replies.append(describe_challenge(await service.show(session.member, to_id(args[0], "relay"))))
    else:
        replies.append(_("usage: {usage}", usage=" ".join((_relay.__doc__ or "").split())))
    return "\n".join(replies)


@command("profile")
async def _profile(session: ConsoleSession, name: str) -> str:
    member = console_member(name) if name else session.member
    profile = await profiles.profile(session.studio, member)
    counts = [
        ngettext("{n} clip", "{n} clips", profile.clips),
        ngettext("{n} remix by others", "{n} remixes by others", profile.remixes_received),
        ngettext("{n} challenge win", "{n} challenge wins", profile.challenge_wins),
        ngettext("{n} entry", "{n} entries", profile.entries),
        ngettext("{n} relay shot", "{n} relay shots", profile.relay_turns),
    ]
    return _("{name}: {counts}", name=member.name, counts=_(", ").join(counts))




async def chat(config: Config, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    studio = open_studio(config)
    workers = workers_for(config, count=None).start()
    session = ConsoleSession(studio, console_member(getpass.getuser()), out)
    print(_("Reelbot console. Type a request, /help for commands, /quit to leave."), file=out, flush=True)

    async def announce(results: Results) -> None:
        print(describe_results(results), file=out, flush=True)

    deadlines = asyncio.create_task(DeadlineLoop(session.challenges, announce).run())
    try:
        for item in await resume_requests(studio, CONSOLE):
            if item.accepted is None:
                print(_("error: {message}", message=error_message(item.error)), file=out, flush=True)
                continue
            print(describe_accepted(item.accepted), file=out, flush=True)
            session.watch(item.accepted)
        while True:
            line = await asyncio.to_thread(stdin.readline)
            if not line or line.strip() in ("/quit", "/exit"):
                break
            reply = await session.handle(line)
            if reply:
                print(reply, file=out, flush=True)
        for task in list(session.watchers):
            await task
        return 0
    finally:
        deadlines.cancel()
        await session.close()
        workers.stop()
        await studio.aclose()
