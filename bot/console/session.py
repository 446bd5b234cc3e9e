"""One console user's session: who they are (`/as`), the table of `/commands` every feature adds itself to,
and what a typed line becomes."""
from __future__ import annotations

import asyncio
import functools
import sys
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from aiohttp import web

from bot.console.live import LiveProgress
from bot.console.replies import (describe_accepted, describe_notice, describe_result, describe_storyboard,
                                 waiting_line)
from bot.i18n import _, error_message, say_in
from bot.incidents import incident
from bot.origin import board_words
from bot.i18n import current as current_language
from common.errors import ReelbotError
from common.intake import clean
from common.text import Text
from studio.cast.intake import AwaitingApproval
from studio.challenges import ChallengeService
from studio.job_views import JobView
from studio.members import Member
from studio.notices import remix_notice
from studio.requests import Accepted, VideoOptions
from studio.runtime import follow_job
from studio.service import Studio
from studio.storyboards.actions import storyboard


# The console's transport name, and its one server and channel.
CONSOLE = "console"


CONSOLE_GUILD = 0


CONSOLE_CHANNEL = 0


async def _console_speaking(_guild_id: int | None) -> Callable[[Text], str]:
    """The console's one reader: texts in the session's language (the `--lang` of the run)."""
    return functools.partial(say_in, current_language())


def console_origin() -> dict[str, Any]:
    """What the console stores with every clip it asks for: the storyboard's words ("Shot 1", "Take 2") in
    the session's language (`bot.origin.board_words`), as the worker, which knows no languages, draws them."""
    return {"board_words": board_words(current_language())}


def console_member(name: str) -> Member:
    # A stable id per name, so `/as alice` is the same member across sessions (lineage, votes).
    return Member(
        id=zlib.crc32(name.encode()) or 1, name=name, guild_id=CONSOLE_GUILD, channel_id=CONSOLE_CHANNEL,
        transport=CONSOLE,
    )  # fmt: skip


Command = Callable[["ConsoleSession", str], Awaitable[str]]


@dataclass(frozen=True)
class Usage:
    """How a command is typed (`syntax`, placeholders in capitals), one `example` a member can type as is,
    and what it does (`about`, an English template marked for translation, shown through `_`)."""

    syntax: str
    example: str
    about: str


# Every console command, by name; a feature's commands add themselves with `@command(name, …)`.
COMMANDS: dict[str, Command] = {}


USAGES: dict[str, Usage] = {}


def command(name: str, syntax: str, example: str, about: str) -> Callable[[Command], Command]:
    """Register the decorated coroutine as `/name`, typed as `syntax` (e.g. `example`), doing `about` (marked
    with N_): `/help` and README's console section show them. The handler takes the session and the rest of
    the line."""
    if not (syntax.startswith(f"/{name}") and example.startswith(f"/{name}")):
        raise ValueError(f"/{name}: its syntax and example start with /{name}")

    def register(handler: Command) -> Command:
        COMMANDS[name] = handler
        USAGES[name] = Usage(syntax, example, about)
        return handler

    return register


def usage_of(name: str) -> str:
    """The refusal for `/name` typed incompletely: its syntax and its example, on one line."""
    usage = USAGES[name]
    return _("usage: {usage}", usage=usage.syntax) + " · " + _("e.g. {example}", example=usage.example)


@dataclass
class ConsoleSession:
    """One console user's state; `handle` maps a typed line to the text to print."""

    studio: Studio
    member: Member
    out: TextIO = sys.stdout
    watchers: set[asyncio.Task] = field(default_factory=set)
    # The picture (`/image PATH`) the next request starts from.
    picture: str | None = None
    # The characters (`/cast use NAMES`) the next request features, comma-separated.
    cast: str | None = None
    # One per session, so a challenge started here wakes the session's DeadlineLoop.
    challenges: ChallengeService = field(init=False)
    # The web gallery, once `/gallery` started it; `close` stops it.
    gallery: web.AppRunner | None = None
    # Progress of the clips being followed (bot/console/live.py).
    live: LiveProgress = field(init=False)

    def __post_init__(self) -> None:
        self.challenges = ChallengeService(self.studio, speaking=_console_speaking)
        self.live = LiveProgress(self.out)

    async def close(self) -> None:
        self.live.stop()
        if self.gallery is not None:
            await self.gallery.cleanup()
            self.gallery = None

    async def handle(self, line: str) -> str:
        """What to print for a typed line. Never raises: a refusal is its message, anything else one
        logged incident and an apology (bot.incidents), and the console keeps reading."""
        line = clean(line).strip()  # typed text enters here, once (common.intake)
        if not line:
            return ""
        try:
            if not line.startswith("/"):
                return await self.create(line)
            name, _sep, rest = line[1:].partition(" ")
            command = COMMANDS.get(name)
            if command is None:
                return _("unknown command /{name}; type /help", name=name)
            return await command(self, rest.strip())
        except AwaitingApproval as waiting:
            return waiting_line(waiting)
        except ReelbotError as error:
            return _("error: {message}", message=error_message(error))
        except Exception as error:
            return incident(f"console {line.split(' ', 1)[0][:40]}", error)

    async def create(self, text: str, takes: int | None = None) -> str:
        options = VideoOptions(image=self.picture, takes=takes, cast=self.cast)
        try:
            accepted = await self.studio.create(self.member, text, options, origin=console_origin())
        except AwaitingApproval as waiting:
            self.picture = self.cast = None
            return waiting_line(waiting)
        except ReelbotError as error:
            return _("error: {message}", message=error_message(error))
        self.picture = self.cast = None
        self.watch(accepted)
        return describe_accepted(accepted)

    def watch(self, accepted: Accepted) -> None:
        self.watch_job(accepted.job.id, accepted.clip.id)

    def watch_job(self, job_id: int, clip_id: int) -> None:
        """Show the job's progress live, print its outcome once it ends (the clip, or its storyboard of stills
        and the question), then record it delivered (printed first: a console killed in between prints it
        again on its next start rather than never)."""
        async def show(view: JobView) -> None:
            self.live.show(view)

        async def report() -> None:
            try:
                view = await follow_job(self.studio, job_id, show, interval=0.5)
                self.live.show(view)
                if view.job.kind == "stills" and view.job.status == "done":
                    text = describe_storyboard(await storyboard(self.studio, self.member, view.clip.id))
                else:
                    text = describe_result(view, await self.studio.clip_cast(view.clip.id))
                print(text, file=self.out, flush=True)
                await self.studio.mark_delivered(view.job)
                done = view.job.status == "done" and view.job.kind != "stills"
                notice = await remix_notice(self.studio, view.clip) if done else None
                if notice is not None:  # the console is everyone's screen: the author reads it here
                    print(describe_notice(notice), file=self.out, flush=True)
            except Exception as error:
                print(incident(f"console delivery of clip #{clip_id}", error), file=self.out, flush=True)

        task = asyncio.create_task(report())
        self.watchers.add(task)
        task.add_done_callback(self.watchers.discard)
