"""Front-end chaos: `reelbot chat` and the Discord bot killed with SIGKILL at random points, requests
arriving all the while, lose nothing and post nothing twice (benchmarks/chaos.py runs these rounds beside
its worker kills).

One render worker runs throughout (it is not what is killed here). Each round starts a front-end process,
sends it requests, and kills it after a random delay: before, during or after the planning, the queueing,
the render's progress edits, or the delivery of a finished clip (Discord rounds wait for a clip upload to
start and kill within a fraction of a second of it in a third of the rounds). The next round's process
resumes what the last one left. Then a last front-end runs until everything is delivered. Checks:

- lost: a request stored (or, in Discord, acknowledged to the member) that did not end as one ready clip,
  delivered: the Discord clip posted in the channel, the console's marked delivered;
- duplicates: a clip no stored request owns (a request finished twice), or a clip posted more than once.

The Discord bot runs as `reelbot run` builds it (`bot.app.create_bot` over `studio.runtime.open_studio`,
no workers of its own) against the loopback Discord of tests/discord_fake in this process, which honours
message nonces for a window like Discord's.
"""
from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = ("a red kite over a green hill", "a paper boat on a rainy street", "a lighthouse at dusk",
            "a fox running through snow", "a bicycle leaning on a wall")  # fmt: skip
# A tiny clip: one shot of one second, so renders finish inside a round.
SUFFIX = ", 1 shot, 1 second"


@dataclass
class Tally:
    lost: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


def _db(home: Path):
    from storage.db import open_db

    return open_db(home / "reelbot.sqlite3")


def _settle(home: Path, transport: str) -> tuple[list[tuple], list[tuple]]:
    """(requests, clips) of `transport`: (id, status, clip_id) and (id, status, posted_message_id, notified)."""
    db = _db(home)
    try:
        requests = db.execute("SELECT id, status, clip_id FROM requests WHERE transport = ?", (transport,)).fetchall()
        clips = db.execute(
            "SELECT clips.id, clips.status, clips.posted_message_id, jobs.notified_at FROM clips "
            "JOIN jobs ON jobs.clip_id = clips.id WHERE clips.transport = ?", (transport,)).fetchall()
        return requests, clips
    finally:
        db.close()


def tally(home: Path, transport: str, posts: dict[int, int] | None = None) -> Tally:
    """What was lost and what happened twice, from the database (and the Discord channel's posts)."""
    requests, clips = _settle(home, transport)
    result = Tally()
    owned = {clip_id for _id, status, clip_id in requests if status == "accepted"}
    by_id = {clip[0]: clip for clip in clips}
    for request_id, status, clip_id in requests:
        clip = by_id.get(clip_id)
        if status != "accepted" or clip is None or clip[1] != "ready" or clip[3] is None:
            result.lost.append(f"request {request_id}: {status}, clip {clip}")
        elif posts is not None and posts.get(clip_id, 0) == 0:
            result.lost.append(f"request {request_id}: clip #{clip_id} never posted")
    for clip_id in sorted(set(by_id) - owned):
        result.duplicates.append(f"clip #{clip_id} belongs to no request (a request finished twice)")
    for clip_id, count in sorted((posts or {}).items()):
        if count > 1:
            result.duplicates.append(f"clip #{clip_id} posted {count} times")
    return result


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _unfinished(home: Path, transport: str) -> int:
    db = _db(home)
    try:
        return db.execute(
            "SELECT (SELECT COUNT(*) FROM requests WHERE transport = ? AND status = 'received') + "
            "(SELECT COUNT(*) FROM jobs JOIN clips ON clips.id = jobs.clip_id WHERE clips.transport = ? AND "
            "jobs.notified_at IS NULL)", (transport, transport)).fetchone()[0]
    finally:
        db.close()


def _roomy(home: Path, guild_id: int) -> None:
    """Room in the queue for every request of the run: a refusal for a full queue is an answer, not what
    this benchmark looks for."""
    from storage.settings import set_setting

    db = _db(home)
    try:
        for key in ("max_queued_per_user", "max_queued_per_guild"):
            set_setting(db, guild_id, key, 50)
    finally:
        db.close()


def _stored(home: Path, transport: str) -> int:
    db = _db(home)
    try:
        return db.execute("SELECT COUNT(*) FROM requests WHERE transport = ?", (transport,)).fetchone()[0]
    finally:
        db.close()


# --- the console ---------------------------------------------------------------------------------------


def _chat(home: Path, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-c", "from bot.cli import main; raise SystemExit(main())", "chat", "--home", str(home),
               "--config", str(home / "reelbot.toml")]
    with log.open("ab") as out:
        return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                                env={**os.environ, "REELBOT_WORKERS": "0"})


def console_rounds(home: Path, rounds: int, rng: random.Random, log: Path, drain_timeout_s: float) -> Tally:
    _roomy(home, 0)  # the console's one server (bot.console.session.CONSOLE_GUILD)
    for number in range(1, rounds + 1):
        chat = _chat(home, log)
        stored = _stored(home, "console")
        for _ in range(rng.randint(1, 3)):
            assert chat.stdin is not None
            chat.stdin.write(f"{rng.choice(REQUESTS)}{SUFFIX}\n".encode())
            chat.stdin.flush()
            time.sleep(rng.uniform(0.0, 1.5))
        deadline = time.monotonic() + 120  # the first line waits for start-up: kill once one request is in
        while _stored(home, "console") == stored and time.monotonic() < deadline and chat.poll() is None:
            time.sleep(0.02)
        delay = rng.uniform(0.0, 4.0)
        time.sleep(delay)
        _kill(chat)
        print(f"console round {number:>3}: killed {delay:.2f}s after it stored a request; "
              f"{_unfinished(home, 'console')} unfinished", flush=True)
    chat = _chat(home, log)  # the last one: resumes, then sees every clip through
    deadline = time.monotonic() + drain_timeout_s
    while _unfinished(home, "console") and time.monotonic() < deadline and chat.poll() is None:
        time.sleep(0.2)
    assert chat.stdin is not None
    chat.stdin.write(b"/quit\n")
    chat.stdin.flush()
    try:
        chat.wait(timeout=60)
    finally:
        _kill(chat)
    return tally(home, "console")


# --- Discord ---------------------------------------------------------------------------------------------


def serve_bot(api: str, gateway: str, home: Path) -> None:
    """The child process: the bot as `reelbot run` builds it, pointed at the loopback Discord."""
    import discord
    import yarl

    from bot.app import create_bot
    from studio.config import load_config
    from studio.runtime import open_studio

    discord.http.Route.BASE = api
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)

    async def run() -> None:
        config = load_config(home / "reelbot.toml", home=home)
        studio = open_studio(config)
        try:
            async with create_bot(config, studio, guild_ready_timeout=0.05, delivery_interval=0.2,
                                  progress_edit_gap=0.5) as bot:
                await bot.start(config.discord_token)
        finally:
            await studio.aclose()

    asyncio.run(run())


def _bot(fake, home: Path, log: Path) -> subprocess.Popen:
    command = [sys.executable, str(Path(__file__).resolve()), "--serve-bot", fake.api_base, fake.gateway_url, str(home)]
    with log.open("ab") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                                env={**os.environ, "DISCORD_TOKEN": fake.token})


def _uploads(fake) -> int:
    return sum(1 for r in fake.requests if r.method == "POST" and r.path.endswith("/messages") and r.files)


def _posts(fake, channel) -> dict[int, int]:
    counts: dict[int, int] = {}
    for message in fake.channel_messages(channel):
        for attachment in message.attachments:
            name = attachment.filename
            if name.startswith("clip-") and name.endswith(".mp4") and "-take-" not in name:
                clip_id = int(name[len("clip-"):-len(".mp4")])
                counts[clip_id] = counts.get(clip_id, 0) + 1
    return counts


async def discord_rounds(home: Path, rounds: int, rng: random.Random, log: Path, drain_timeout_s: float) -> Tally:
    sys.path.insert(0, str(ROOT / "tests"))
    from discord_fake import FakeDiscord

    async with FakeDiscord(check_contract=False, interaction_deadline=10.0) as fake:
        guild = fake.add_guild("Chaos", channels=("general",))
        members = [fake.add_member(guild, 2001 + n, f"m{n}") for n in range(3)]
        _roomy(home, guild.id)
        acked: list = []
        for number in range(1, rounds + 1):
            bot = _bot(fake, home, log)
            try:
                await fake.wait_synced(timeout=120)
                await fake.wait_until(lambda: fake._gw.sessions, timeout=120, what="the bot to connect")
                uploads = _uploads(fake)
                for _ in range(rng.randint(1, 2)):
                    acked.append(await fake.slash(rng.choice(members), "video", {"prompt": rng.choice(REQUESTS),
                                                                                "shots": 1, "duration": 1}))
                    await asyncio.sleep(rng.uniform(0.0, 1.0))
                if rng.random() < 0.35:  # at delivery: a clip upload has started
                    deadline = time.monotonic() + 60
                    while _uploads(fake) == uploads and time.monotonic() < deadline:
                        await asyncio.sleep(0.02)
                    delay = rng.uniform(0.0, 0.3)
                    where = f"{delay:.2f}s after a clip upload began"
                else:
                    delay = rng.uniform(0.0, 4.0)
                    where = f"{delay:.2f}s after its last request"
                await asyncio.sleep(delay)
            finally:
                await asyncio.to_thread(_kill, bot)
            print(f"discord round {number:>3}: killed {where}; {_unfinished(home, 'discord')} unfinished", flush=True)
        bot = _bot(fake, home, log)
        try:
            deadline = time.monotonic() + drain_timeout_s
            while _unfinished(home, "discord") and time.monotonic() < deadline:
                await asyncio.sleep(0.3)
        finally:
            await asyncio.to_thread(_kill, bot)
        result = tally(home, "discord", _posts(fake, guild.channel("general")))
        never_stored = [ix for ix in acked if ix.response_type is not None and ix.original is not None
                        and ix.original.loading]
        result.lost += [f"interaction {ix.id}: acknowledged, then never answered" for ix in never_stored]
        print(f"{len(acked)} requests sent; {fake.nonces.replayed} re-sends answered with their first message",
              flush=True)
        return result


if __name__ == "__main__" and sys.argv[1:2] == ["--serve-bot"]:
    serve_bot(sys.argv[2], sys.argv[3], Path(sys.argv[4]))
