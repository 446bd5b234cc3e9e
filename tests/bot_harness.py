"""ReelBot against the fake Discord: the fixtures and helpers tests/test_bot_*.py share (import them).

Every test runs the real discord.py client against `discord_fake`, the real Studio on a fresh database,
and (when it asks for the `worker` fixture) an in-process render worker with the tiny model.
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app import ReelBot, create_bot
from bot.ratelimit import ChannelBudget
from discord_fake import FakeChannel, FakeDiscord, FakeGuild, FakeMember, FakeMessage
from generation.encoding import VideoInfo, probe
from studio.config import Config
from studio.runtime import workers_for
from studio.service import Studio

REQUEST = "a giant monster walking through New York"
# Discord's per-channel budget (5 message writes per 5 s), on a faster clock: the fake enforces it and the
# bot spends it, as against Discord, without making every test wait out real windows.
CHANNEL_WRITES, CHANNEL_WINDOW_S = 5, 0.2
# One short shot: the tiny model renders it in about a second.
QUICK = {"shots": 1, "duration": 1}
RENDER_TIMEOUT = 60.0


@dataclass
class World:
    fake: FakeDiscord
    guild: FakeGuild
    alice: FakeMember
    bob: FakeMember
    admin: FakeMember
    config: Config
    studio: Studio

    @property
    def general(self) -> FakeChannel:
        return self.guild.channel("general")

    def bot(self, studio: Studio | None = None, **options: Any) -> ReelBot:
        # Deliver fast and edit progress on every change: the tests wait on what the fake saw.
        options = {"delivery_interval": 0.05, "progress_edit_gap": 0.0, "guild_ready_timeout": 0.05,
                   "channel_budget": ChannelBudget(CHANNEL_WRITES, CHANNEL_WINDOW_S), **options}
        return create_bot(self.config, studio or self.studio, **options)

    async def delivered(self, timeout: float = RENDER_TIMEOUT) -> None:
        """Until every finished job's outcome was delivered (the delivery loop records it last)."""
        await eventually(lambda: self.studio.finished_jobs("discord"), lambda jobs: jobs == [], timeout=timeout)

    async def posted_clip(self, channel: FakeChannel | None = None) -> FakeMessage:
        """The next channel message carrying an mp4: a delivered clip."""
        return await self.fake.wait_for_message(
            channel=channel or self.general,
            predicate=lambda m: any(a.filename.endswith(".mp4") for a in m.attachments),
            timeout=RENDER_TIMEOUT,
        )


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        fake.budget.limit, fake.budget.window_s = CHANNEL_WRITES, CHANNEL_WINDOW_S
        fake.patch_discord(monkeypatch)
        yield fake
    assert fake.client_errors == []  # exceptions discord.py caught in the bot's callbacks
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("bot") and r.levelno >= logging.ERROR]
    assert ours == []  # errors the bot caught and logged itself


@pytest.fixture
def world(fake: FakeDiscord, config: Config, studio: Studio) -> World:
    guild = fake.add_guild("Monster Movies", channels=("general", "locked"))
    return World(
        fake=fake,
        guild=guild,
        alice=fake.add_member(guild, 1001, "alice"),
        bob=fake.add_member(guild, 1002, "bob"),
        admin=fake.add_member(guild, 1003, "boss", admin=True),
        config=config,
        studio=studio,
    )


async def eventually(
    read: Callable[[], Awaitable[Any]], check: Callable[[Any], bool], *, timeout: float = 5.0
) -> Any:
    """Poll an async read (the database, say) until `check` accepts what it returns."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check(value := await read()):
        if loop.time() > deadline:
            raise TimeoutError(f"still {value!r} after {timeout}s")
        await asyncio.sleep(0.02)
    return value


@contextlib.contextmanager
def rendering(config: Config) -> Iterator[None]:
    """An in-process render worker for part of a test (the `worker` fixture runs for all of it)."""
    workers = workers_for(config, separate_processes=False).start()
    try:
        yield
    finally:
        workers.stop()


def video_of(message: FakeMessage, tmp_path: Path) -> VideoInfo:
    """Decode the message's mp4 attachment with a real decoder."""
    [attachment] = [a for a in message.attachments if a.filename.endswith(".mp4")]
    path = tmp_path / f"downloaded-{message.id}.mp4"
    path.write_bytes(attachment.data)
    return probe(path)


def embed_text(message: FakeMessage) -> str:
    """All the text of the message's embeds, for loose assertions."""
    parts = []
    for embed in message.embeds:
        parts += [embed.get("title") or "", embed.get("description") or "", (embed.get("author") or {}).get("name", ""),
                  (embed.get("footer") or {}).get("text", "")]
        parts += [f"{field['name']}: {field['value']}" for field in embed.get("fields") or []]
    return "\n".join(parts)


def pytest_sessionfinish(session: Any) -> None:
    """In a pytest-xdist worker: hand what this process's fakes checked to the controller, which sums them
    (`pytest_testnodedown`) for the summary line."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        from discord_fake.contract import SESSION

        workeroutput["discord_contract"] = {
            "operations": dict(SESSION.operations), "requests": SESSION.requests, "replies": SESSION.replies,
            "unchecked": SESSION.unchecked, "seconds": SESSION.seconds,
            "violations": [dataclasses.asdict(violation) for violation in SESSION.violations],
        }


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: unknown, and never called, without it
def pytest_testnodedown(node: Any, error: Any) -> None:
    """The controller of a pytest-xdist run adds up its workers' contract checks."""
    from discord_fake.contract import SESSION, ContractLog, Violation

    checked = getattr(node, "workeroutput", {}).get("discord_contract")
    if checked:
        violations = [Violation(**{**v, "keys": tuple(v["keys"])}) for v in checked["violations"]]
        SESSION.add(ContractLog(Counter(checked["operations"]), checked["requests"], checked["replies"],
                                checked["unchecked"], violations, checked["seconds"]))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line on what the fake Discord checked against Discord's OpenAPI spec (discord_fake/contract.py)."""
    from discord_fake.contract import SESSION, skip_reason

    reason = skip_reason()
    if reason is not None:
        terminalreporter.write_line(f"Discord contract: not checked ({reason})")
    elif SESSION.requests or SESSION.replies:
        terminalreporter.write_line("Discord contract: " + SESSION.report())
