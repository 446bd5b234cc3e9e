"""Resume is per request: one stored request that crashes while being finished is marked failed and its
member told; the requests before and after it carry on, in Discord and in the console.

Found by the round's probes: one such request blocked every request after it on restart, and the console
could not start on that data folder at all.
"""
from __future__ import annotations

import io

from bot.console import chat
from bot_harness import World, eventually
from storage import requests as request_store
from studio.config import Config
from studio.runtime import open_studio
from test_bot_restart import StallingExpander
from studio.service import Studio

# Options no version of VideoOptions takes: finishing the request raises TypeError, a bug, not a refusal.
POISON = '{"shots": 1, "brightness": "a column a later version dropped"}'


async def poison(studio: Studio, request_id: int) -> None:
    await studio.adb.write(lambda db: db.execute("UPDATE requests SET options = ? WHERE id = ?", (POISON, request_id)))


async def test_discord_resumes_the_good_requests_around_a_poisoned_one(world: World) -> None:
    fake = world.fake
    expander = StallingExpander()
    first_process = Studio(world.config, world.studio.adb, expander)
    async with fake.running(world.bot(first_process)):
        asked = [await fake.slash(member, "video", {"prompt": f"a lighthouse in a storm, take {n}", "shots": 1})
                 for n, member in enumerate((world.alice, world.bob, world.alice), start=1)]
        await eventually(lambda: world.studio.adb.read(lambda db: db["requests"].count), lambda n: n == 3)
    for task in expander.stalled:
        task.cancel()
    # The bot stores the three as it handles them, not always in the order they were sent: the second asked
    # is poisoned, whatever number it got.
    poisoned = await world.studio.adb.read(
        lambda db: db.execute("SELECT id FROM requests WHERE text LIKE '%take 2'").fetchone()[0])
    await poison(world.studio, poisoned)

    second_process = open_studio(world.config)
    try:
        async with fake.running(world.bot(second_process)):
            good, bad, also_good = (ix.original for ix in asked)
            # Three plans made again at start-up: roomier than the fake's default on a loaded machine.
            await fake.wait_until(lambda: bool(good.embeds) and bool(also_good.embeds) and "⚠️" in bad.content,
                                  what="the three status messages to say how their requests ended", timeout=30)
            assert bad.content == (f"⚠️ Your request #{poisoned} couldn't be finished after a restart. Sorry: please "
                                   "send it again.")
            assert "queued" in good.content and "queued" in also_good.content
    finally:
        await second_process.aclose()
    statuses = await world.studio.adb.read(lambda db: {r["text"][-6:]: r["status"]
                                                       for r in db.query("SELECT text, status FROM requests")})
    assert statuses == {"take 1": "accepted", "take 2": "rejected", "take 3": "accepted"}


async def test_the_console_starts_on_a_folder_with_a_poisoned_request_and_serves(config: Config, worker) -> None:
    studio = open_studio(config)
    try:
        for text in ("a red kite over a hill", "a poisoned request", "a blue boat on a lake"):
            await studio.adb.write(request_store.record_request, kind="create", guild_id=0, channel_id=0, user_id=1,
                                   user_name="alice", text=text, options={"shots": 1, "duration": 1}, transport="console")
        await poison(studio, 2)
    finally:
        await studio.aclose()
    out = io.StringIO()
    typed = io.StringIO("/queue\n/quit\n")
    assert await chat(config.model_copy(update={"workers": 0}), stdin=typed, out=out) == 0
    text = out.getvalue()
    assert "error: Your request #2 couldn't be finished after a restart. Sorry: please send it again." in text
    assert text.count("video: ") == 2  # both good requests were queued, rendered and reported
    assert "Sorry, something went wrong" not in text
