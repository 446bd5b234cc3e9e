"""Running the console: `reelbot chat` (a session over stdin and stdout, with render workers, deadlines and
requests a restart interrupted) and `reelbot generate` (one request rendered in-process)."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import io
import sys
from typing import TextIO

from bot.console.cast_commands import cast_round
from bot.console.live import LiveProgress
from bot.console.replies import describe_accepted, describe_result, describe_results, describe_storyboard
from bot.console.session import CONSOLE, ConsoleSession, console_member, console_origin
from bot.i18n import _, error_message
from bot.incidents import incident
from common.errors import ReelbotError
from studio.challenges import DeadlineLoop, Results
from studio.config import Config
from studio.job_views import JobView
from studio.pictures import read_picture_file
from studio.requests import VideoOptions
from studio.resume import resume_requests
from studio.runtime import follow_job, open_studio, workers_for
from studio.service import Studio
from studio.storyboards.actions import animate, animate_due, storyboard


async def generate_once(config: Config, args: argparse.Namespace) -> int:
    """Render one request with an in-process worker. With stills first (the default, or `--stills`), the
    stills come first and their board's path is printed as soon as they exist; `--stills` stops there and
    prints every still's path, otherwise the stills are animated at once (as a member pressing Animate)
    and the video and storyboard paths are printed."""
    studio = open_studio(config)
    workers = workers_for(config, separate_processes=False).start()
    member = console_member(getpass.getuser())
    try:
        try:
            image = getattr(args, "image", None)
            picture = None if image is None else read_picture_file(image, config.media_dir)
            options = VideoOptions(
                shots=args.shots, seed=args.seed, aspect=args.aspect, duration=args.duration, style=args.style,
                draft=args.draft, image=None if picture is None else str(picture.path), cast=getattr(args, "cast", None),
                stills="ask" if getattr(args, "stills", False) else None,
            )  # fmt: skip
            accepted = await studio.create(member, args.request, options, origin=console_origin())
        except ReelbotError as error:
            print(_("error: {message}", message=error_message(error)), file=sys.stderr)
            return 2
        print(describe_accepted(accepted), file=sys.stderr)
        live = LiveProgress(sys.stderr)

        async def show(view: JobView) -> None:
            live.show(view)

        view = await follow_job(studio, accepted.job.id, show, interval=0.5)
        live.show(view)
        await studio.mark_delivered(view.job)
        if view.job.status == "done" and view.job.kind == "stills":
            board = await storyboard(studio, member, view.clip.id)
            if getattr(args, "stills", False):
                print(describe_storyboard(board, elsewhere=True), file=sys.stderr)
                for path in (board.board, *board.still_paths()):
                    print(path)
                return 1 if board.failed() else 0
            print(_("stills: {board}", board=board.board), file=sys.stderr)
            try:
                job = await animate(studio, member, view.clip.id)
            except ReelbotError as error:
                print(_("error: {message}", message=error_message(error)), file=sys.stderr)
                return 1
            view = await follow_job(studio, job.id, show, interval=0.5)
            live.show(view)
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


async def animate_when_due(studio: Studio, session: ConsoleSession, interval: float = 1.0) -> None:
    """Auto mode: animate the storyboards whose grace is over, and follow their clips, until cancelled."""
    while True:
        for job in await animate_due(studio, CONSOLE):
            print(_("clip #{clip_id}: animating the stills by itself (job {job_id})", clip_id=job.clip_id,
                    job_id=job.id), file=session.out, flush=True)  # fmt: skip
            session.watch_job(job.id, job.clip_id)
        await asyncio.sleep(interval)


async def _cast_loop(session: ConsoleSession, out: TextIO, interval: float = 1.0) -> None:
    """Owners asked, requesters told, owners told of uses (`cast_round`), while the console runs."""
    while True:
        try:
            lines = await cast_round(session)
        except Exception as error:  # the database busy or broken: say so once a round, keep serving
            lines = [incident("console cast round", error)]
        for line in lines:
            print(line, file=out, flush=True)
        await asyncio.sleep(interval)


async def chat(config: Config, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    """`reelbot chat`: a session over `stdin` until EOF or /quit. Bytes that are not UTF-8 are read as
    U+FFFD (never a UnicodeDecodeError, nor surrogates that SQLite refuses)."""
    if isinstance(stdin, io.TextIOWrapper):
        stdin.reconfigure(errors="replace")
    studio = open_studio(config)
    workers = workers_for(config, count=None).start()
    session = ConsoleSession(studio, console_member(getpass.getuser()), out)
    print(_("Reelbot console. Type a request, /help for commands, /quit to leave."), file=out, flush=True)

    async def announce(results: Results) -> None:
        print(describe_results(results), file=out, flush=True)

    deadlines = asyncio.create_task(DeadlineLoop(session.challenges, announce).run())
    due = asyncio.create_task(animate_when_due(studio, session))
    casting = asyncio.create_task(_cast_loop(session, out))
    try:
        try:
            resumed = await resume_requests(studio, CONSOLE)
        except Exception as error:  # the database unreadable: say so and serve what is typed anyway
            print(incident("console resume", error), file=out, flush=True)
            resumed = []
        for item in resumed:
            if item.accepted is None:
                print(_("error: {message}", message=error_message(item.error)), file=out, flush=True)
                continue
            print(describe_accepted(item.accepted), file=out, flush=True)
            session.watch(item.accepted)
        # Clips an earlier console queued and never reported (it was closed or killed): followed to the end.
        watched = {item.accepted.job.id for item in resumed if item.accepted is not None}
        for view in [*await studio.finished_jobs(CONSOLE), *await studio.active_jobs()]:
            if view.clip.transport == CONSOLE and view.job.id not in watched:
                watched.add(view.job.id)
                session.watch_job(view.job.id, view.clip.id)
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
        due.cancel()
        casting.cancel()
        await session.close()
        workers.stop()
        await studio.aclose()
