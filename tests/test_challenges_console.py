"""A whole vote challenge typed at the console: start, entries, votes, results, late entries, profiles."""
from __future__ import annotations

import dataclasses
import re
import time

from bot.console import ConsoleSession, console_member
from studio.challenges import ChallengeService
from challenge_fixtures import ready_clip, studio  # noqa: F401


async def test_a_challenge_from_start_to_results_at_the_console(studio):
    session = ConsoleSession(studio, console_member("alice"))
    bob, carol, dave = (console_member(name) for name in ("bob", "carol", "dave"))
    bob_clip = await ready_clip(studio, bob, title="Bob's boat")
    carol_clip = await ready_clip(studio, carol, title="Carol's cove", shots=2)
    too_long = await ready_clip(studio, dave, shots=3)

    async def say(who: str, line: str) -> str:
        await session.handle(f"/as {who}")
        return await session.handle(line)

    started = await say("alice", "/challenge start 2h Cats at sea max_shots=2")
    assert re.match(r"challenge #1: Cats at sea \[open, (2h|1h 59m) left\]", started), started
    assert "rules: at most 2 shots" in started

    assert await say("bob", f"/challenge submit {bob_clip.id}") == f"clip #{bob_clip.id} entered in challenge #1"
    entered = await say("carol", f"/challenge submit #{carol_clip.id} #1")
    assert entered == f"clip #{carol_clip.id} entered in challenge #1"
    assert "at most 2 shot" in await say("dave", f"/challenge submit {too_long.id} 1")
    assert await say("carol", f"/challenge vote 1 {carol_clip.id}") == (
        "error: You can't vote for your own entry; pick someone else's favourite."
    )
    assert "recorded" in await say("carol", f"/challenge vote 1 {bob_clip.id}")
    voted = await say("dave", f"/challenge vote 1 {bob_clip.id}")
    assert voted == f"vote for clip #{bob_clip.id} in challenge #1 recorded"
    assert await say("dave", f"/challenge vote 1 {carol_clip.id}") == (
        f"vote for clip #{carol_clip.id} in challenge #1 recorded (moved from clip #{bob_clip.id})"
    )
    assert "error: `best` isn't a clip number" in await say("dave", "/challenge vote 1 best")

    shown = await say("erin", "/challenge show 1")
    assert "2 entries" in shown and "Bob's boat" in shown and "Carol's cove" in shown
    assert " vote" not in shown, "votes stay hidden until the end"
    assert (await say("erin", "/challenge list")).startswith("challenge #1: Cats at sea [open")

    # One vote each: a tie, so both are first (Bob, who entered first, is listed first).
    results = await say("alice", "/challenge close 1")
    assert f'1. clip #{bob_clip.id} "Bob\'s boat" by bob: 1 vote' in results
    assert f'1. clip #{carol_clip.id} "Carol\'s cove" by carol: 1 vote' in results
    assert re.search(r"leaderboard: .*challenges/1/leaderboard-[0-9a-f]{12}\.png", results)

    late = await ready_clip(studio, dave)
    assert await say("dave", f"/challenge submit {late.id} 1") == (
        "error: Challenge #1 has ended, so entries are closed."
    )
    assert "challenge #1: Cats at sea [closed]" in await say("dave", "/challenge show 1")
    assert await say("dave", "/profile bob") == (
        "bob: 1 clip, 0 remixes by others, 1 challenge win, 1 entry, 0 relay shots"
    )


async def test_console_commands_catch_up_on_deadlines_that_passed(studio):
    # Started an hour ago for 30 minutes, as if the console had been closed over its deadline.
    service = ChallengeService(studio)
    alice = console_member("alice")
    admin = dataclasses.replace(alice, can_moderate=True)
    challenge = (await service.start(admin, "Dogs at dawn", "30m", now=time.time() - 3600)).challenge
    session = ConsoleSession(studio, alice)

    listed = await session.handle("/challenge list")
    assert listed.startswith(f'challenge #{challenge.id} "Dogs at dawn" results: 0 votes')
    assert "no votes were cast, so there is no winner" in listed
    assert listed.endswith(f"challenge #{challenge.id}: Dogs at dawn [closed]")
    assert (await session.handle("/challenge list")) == f"challenge #{challenge.id}: Dogs at dawn [closed]"
    assert (await session.handle("/challenge frobnicate")).startswith("usage: /challenge start DURATION THEME")


async def test_a_relay_at_the_console(studio):
    session = ConsoleSession(studio, console_member("alice"))
    try:
        started = await session.handle("/relay start 1h a fox in the snow max_turns=3 shot_seconds=1")
        assert started.startswith("relay #1: a fox in the snow [open")
        assert "at most 3 shots in the film, 1 s per shot" in started
        await session.handle("/as bob")
        assert (await session.handle("/relay add the fox digs for mice")).startswith("shot 1 of relay #1: clip #1")
        assert await session.handle("/relay add the fox sleeps") == (
            "error: You added the last shot; let someone else take the next turn."
        )
        await session.handle("/as carol")
        assert (await session.handle("/relay add #1 an owl watches from a pine")).startswith("shot 2 of relay #1")
        shown = await session.handle("/relay show 1")
        assert "shot 1 by bob [queued]: the fox digs for mice" in shown
        assert "shot 2 by carol [queued]: an owl watches from a pine" in shown
        assert await session.handle("/relay film") == "film so far: no shot is rendered yet (2 shots still rendering)"
        assert await session.handle("/challenge submit 1 1") == (
            "error: Challenge #1 is a relay: add a shot with /relay add instead."
        )
        assert (await session.handle("/profile bob")).endswith("0 entries, 1 relay shot")
    finally:
        for watcher in session.watchers:  # no worker runs here, so the renders never finish
            watcher.cancel()
