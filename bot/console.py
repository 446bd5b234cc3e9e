"""Console front-end: the same Studio the Discord bot drives, with stdin/stdout as the chat."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TextIO

from studio.config import Config
from studio import remix as remixing
from studio.errors import USER_ERRORS
from studio.lineage import lineage, lineage_image, lineage_text
from studio.runtime import Workers, follow_job, open_studio
from studio.service import Accepted, JobView, Member, Studio, VideoOptions

CONSOLE_GUILD = 0
CONSOLE_CHANNEL = 0


def console_member(name: str) -> Member:
    # A stable id per name, so `/as alice` is the same member across sessions (lineage, votes).
    return Member(id=zlib.crc32(name.encode()) or 1, name=name, guild_id=CONSOLE_GUILD, channel_id=CONSOLE_CHANNEL)


def progress_line(view: JobView) -> str:
    job = view.job
    if job.status == "queued" and view.estimate is not None:
        return f"clip #{view.clip.id}: queued, position {view.estimate.position}, ~{view.estimate.eta_seconds:.0f}s"
    bar = "#" * round(job.progress * 20)
    return f"clip #{view.clip.id}: [{bar:<20}] {job.progress:4.0%} {job.stage}"


def describe_accepted(accepted: Accepted) -> str:
    shots = "\n".join(
        f"  {index + 1}. [{shot.duration:.0f}s, {shot.camera}] {shot.subject} — {shot.action}"
        for index, shot in enumerate(accepted.shot_list.shots)
    )
    reused = f" ({accepted.reused} shot(s) reused from earlier renders)" if accepted.reused else ""
    return f'clip #{accepted.clip.id} "{accepted.shot_list.title}" via {accepted.shot_list.backend}{reused}\n{shots}'


def describe_result(view: JobView) -> str:
    if view.job.status == "done":
        return f"clip #{view.clip.id} ready\nvideo: {view.clip.video_path}\nstoryboard: {view.clip.storyboard_path}"
    return f"clip #{view.clip.id} {view.job.status}: {view.job.error or 'no reason given'}"


async def generate_once(config: Config, args: argparse.Namespace) -> int:
    """Render one request with an in-process worker; prints the video and storyboard paths."""
    studio = open_studio(config)
    workers = Workers(config, separate_processes=False).start()
    try:
        options = VideoOptions(
            shots=args.shots, seed=args.seed, aspect=args.aspect, duration=args.duration, style=args.style,
            draft=args.draft,
        )  # fmt: skip
        try:
            accepted = await studio.create(console_member(getpass.getuser()), args.request, options)
        except USER_ERRORS as error:
            print(f"error: {error.user_message}", file=sys.stderr)
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


@dataclass
class ConsoleSession:
    """One console user's state; `handle` maps a typed line to the text to print."""

    studio: Studio
    member: Member
    out: TextIO = sys.stdout
    watchers: set[asyncio.Task] = field(default_factory=set)

    async def handle(self, line: str) -> str:
        line = line.strip()
        if not line:
            return ""
        if not line.startswith("/"):
            return await self.create(line)
        name, _, rest = line[1:].partition(" ")
        command = COMMANDS.get(name)
        if command is None:
            return f"unknown command /{name}; type /help"
        try:
            return await command(self, rest.strip())
        except USER_ERRORS as error:
            return f"error: {error.user_message}"

    async def create(self, text: str) -> str:
        try:
            accepted = await self.studio.create(self.member, text)
        except USER_ERRORS as error:
            return f"error: {error.user_message}"
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


async def _help(session: ConsoleSession, _: str) -> str:
    lines = ["type a request to make a clip, or:"] + [f"  /{name}" for name in sorted(COMMANDS)]
    return "\n".join(lines)


async def _as(session: ConsoleSession, name: str) -> str:
    if not name:
        return f"you are {session.member.name}"
    session.member = console_member(name)
    return f"you are now {name}"


async def _queue(session: ConsoleSession, _: str) -> str:
    views = await session.studio.my_jobs(session.member)
    return "\n".join(progress_line(view) for view in views) or "nothing queued"


async def _cancel(session: ConsoleSession, arg: str) -> str:
    job = await session.studio.cancel(session.member, int(arg))
    return f"cancelled job {job.id} (clip #{job.clip_id})"


async def _clip(session: ConsoleSession, arg: str) -> str:
    clip = await session.studio.clip(int(arg.lstrip("#")))
    return f"clip #{clip.id} by {clip.author_name} [{clip.status}]: {clip.request}\nvideo: {clip.video_path}"


async def _remix(session: ConsoleSession, arg: str) -> str:
    ref, _, text = arg.partition(" ")
    clip = await remixing.resolve_clip(session.studio, ref)
    return await _queue_remix(session, clip.id, remixing.parse_change(text))


async def _reroll(session: ConsoleSession, arg: str) -> str:
    ref, _, shot = arg.partition(" ")
    clip = await remixing.resolve_clip(session.studio, ref)
    return await _queue_remix(session, clip.id, remixing.RemixChange("reroll", shot=int(shot) if shot else None))


async def _queue_remix(session: ConsoleSession, clip_id: int, change: remixing.RemixChange) -> str:
    accepted = await remixing.remix(session.studio, session.member, clip_id, change)
    session.watch(accepted)
    credit = await remixing.credit(session.studio, accepted.clip)
    return f"{describe_accepted(accepted)}\n{credit}: {accepted.clip.remix_note}"


async def _lineage(session: ConsoleSession, arg: str) -> str:
    clip = await remixing.resolve_clip(session.studio, arg)
    tree = await lineage(session.studio, clip.id)
    image = lineage_image(tree, session.studio.config.media_dir / "lineage" / f"clip-{clip.id}.png")
    return f"{lineage_text(tree)}\nimage: {image}"


async def _recipe(session: ConsoleSession, arg: str) -> str:
    clip = await remixing.resolve_clip(session.studio, arg)
    return await remixing.recipe_card(session.studio, clip.id)


async def _optout(session: ConsoleSession, arg: str) -> str:
    if arg not in ("on", "off"):
        return "usage: /optout on|off"
    if await remixing.set_opt_out(session.studio, session.member, arg == "on"):
        return "others can no longer remix your clips"
    return "others may remix your clips again"


COMMANDS: dict[str, Command] = {
    "help": _help,
    "as": _as,
    "queue": _queue,
    "cancel": _cancel,
    "clip": _clip,
    "remix": _remix,
    "reroll": _reroll,
    "lineage": _lineage,
    "recipe": _recipe,
    "optout": _optout,
}


async def chat(config: Config, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    studio = open_studio(config)
    workers = Workers(config, count=config.workers).start()
    session = ConsoleSession(studio, console_member(getpass.getuser()), out)
    print("Reelbot console. Type a request, /help for commands, /quit to leave.", file=out, flush=True)
    try:
        await studio.resume_requests()
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
        workers.stop()
        await studio.aclose()
