"""What the console says of a clip or a relay turn is words a member reads, never a raw value: a clip whose
storyboard comes first says it waits for Animate, not "[queued]"; no "video: None"."""
from __future__ import annotations

import io

from bot.console import ConsoleSession, console_member
from stills_fixtures import ALICE


async def test_a_clip_says_what_it_waits_for(stills_studio, stills_worker):
    session = ConsoleSession(stills_studio, ALICE, io.StringIO())
    await session.handle("a red fox trots across a frozen lake, 1 shot, 1 second")
    rendering = await session.handle("/clip 1")
    assert "[stills rendering]" in rendering and rendering.endswith("video: not rendered yet")
    stills_worker.run()
    waiting = await session.handle("/clip 1")
    assert "[stills ready, waiting for Animate]" in waiting and "None" not in waiting


async def test_the_relay_film_says_its_turns_wait_for_their_authors_animate(stills_studio, stills_worker):
    session = ConsoleSession(stills_studio, console_member("alice"), io.StringIO())
    try:
        await session.handle("/relay start 1h a fox in the snow max_turns=3 shot_seconds=1")
        for name, text in (("bob", "the fox digs for mice"), ("carol", "an owl watches from a pine")):
            await session.handle(f"/as {name}")
            assert (await session.handle(f"/relay add {text}")).startswith("shot ")
        assert await session.handle("/relay film") == "film so far: no shot is rendered yet (2 shots' stills are rendering)"
        stills_worker.run()
        stills_worker.run()
        assert await session.handle("/relay film") == (
            "film so far: no shot is rendered yet (2 shots wait for their authors' Animate)")
        assert "shot 1 by bob [stills ready, waiting for Animate]" in await session.handle("/relay show 1")
    finally:
        for watcher in session.watchers:
            watcher.cancel()


def test_pending_turns_are_counted_by_what_they_wait_for() -> None:
    """The same words in Discord's film posts and replies (bot/challenge_embeds.py, bot/relay_views.py)."""
    from types import SimpleNamespace

    from bot.stages import pending_text

    turns = [SimpleNamespace(waiting_for=kind) for kind in ("animate", "animate", "render", "stills")]
    assert pending_text(turns) == ("2 shots wait for their authors' Animate, 1 shot's stills are rendering, "
                                   "1 shot still rendering")
    assert pending_text(turns[:1]) == "1 shot waits for its author's Animate"
