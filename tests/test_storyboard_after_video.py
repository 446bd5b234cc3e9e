"""A storyboard is its author's until the video: another member can't remix it before the author animates it.
Once its video is done, every storyboard command says so in words (the clip changes by a
remix now), in the console and through the studio Discord's menus and buttons call; a shot out of range
names the shots there are. The storyboard used to stay "being animated" forever."""
from __future__ import annotations

import dataclasses
import io

from refusals import refused
from stills_fixtures import ALICE, BOB, REQUEST

from bot.console.session import ConsoleSession
from studio.errors import StudioError
from studio.remix import RemixError, parse_change, remix
from studio.requests import VideoOptions
from studio.storyboards.actions import (
    animate, cancel_storyboard, pick_still, remove_shot, reroll_still, retry_stills, storyboard,
)  # fmt: skip
from studio.storyboards.editing import edit_still

THREE = VideoOptions(shots=3, duration=3, seed=11)
CONSOLE_ALICE = dataclasses.replace(ALICE, transport="console")


async def test_every_storyboard_command_says_an_animated_clip_is_done(stills_studio, stills_worker):
    studio = stills_studio
    clip_id = (await studio.create(CONSOLE_ALICE, REQUEST, THREE)).clip.id
    stills_worker.run()
    session = ConsoleSession(studio, CONSOLE_ALICE, io.StringIO())
    # Open: a shot out of range names the shots there are, before anything is stored.
    assert await session.handle(f"/edit {clip_id} 9 the fox jumps") == (
        f"error: Clip #{clip_id} has 3 shots: pick one from 1 to 3.")
    assert await session.handle(f"/remove {clip_id} 4") == f"error: Clip #{clip_id} has 3 shots: pick one from 1 to 3."
    await animate(studio, CONSOLE_ALICE, clip_id)
    # While the video renders.
    assert "being animated already" in await session.handle(f"/edit {clip_id} 2 the fox jumps")
    assert (await storyboard(studio, CONSOLE_ALICE, clip_id)).stage == "animating"
    stills_worker.run()
    view = await storyboard(studio, CONSOLE_ALICE, clip_id)
    assert (view.clip.status, view.stage, view.is_open) == ("ready", "animated", False)

    done = f"error: Clip #{clip_id} is already animated: remix it to change a shot."
    for line in (f"/edit {clip_id} 2 the fox jumps", f"/edit {clip_id} 9 the fox jumps", f"/animate {clip_id}",
                 f"/remove {clip_id} 2", f"/retry {clip_id}", f"/discard {clip_id}", f"/pick {clip_id} 1"):
        assert await session.handle(line) == done, line
    assert await session.handle(f"/stills {clip_id}") == (
        f"clip #{clip_id}: animated from its stills; /clip {clip_id} shows it, /remix {clip_id} changes a shot")
    # `/reroll CLIP SHOT` on a clip that is done re-rolls the clip itself: a remix.
    assert f"remix of alice's clip #{clip_id}: re-rolled shot 2" in await session.handle(f"/reroll {clip_id} 2")
    # What Discord's menus, form and buttons call.
    for act in (lambda: reroll_still(studio, ALICE, clip_id, 2), lambda: remove_shot(studio, ALICE, clip_id, 2),
                lambda: pick_still(studio, ALICE, clip_id, 1), lambda: retry_stills(studio, ALICE, clip_id),
                lambda: cancel_storyboard(studio, ALICE, clip_id), lambda: animate(studio, ALICE, clip_id),
                lambda: edit_still(studio, ALICE, clip_id, 2, "at night")):  # fmt: skip
        with refused("already_animated", StudioError):
            await act()


async def test_another_member_remixes_a_storyboard_only_once_it_is_animated(stills_studio, stills_worker):
    studio = stills_studio
    clip_id = (await studio.create(CONSOLE_ALICE, REQUEST, THREE)).clip.id
    bob = ConsoleSession(studio, dataclasses.replace(BOB, transport="console"), io.StringIO())
    refusal = (f"error: Clip #{clip_id} is still alice's storyboard: its stills are theirs until they animate it. "
               "You can remix it once it is posted.")
    assert await bob.handle(f"/remix {clip_id} make it noir") == refusal  # stills rendering
    stills_worker.run()
    assert await bob.handle(f"/remix {clip_id} make it noir") == refusal  # stills ready, waiting for Animate
    with refused("not_animated_yet", RemixError):  # a Discord member (Remix button, reply) likewise
        await remix(studio, BOB, clip_id, parse_change("shot 2: the keeper waves"))
    # Its author may branch it (and changes it with the storyboard commands).
    assert "remix of alice's clip" in await ConsoleSession(studio, CONSOLE_ALICE, io.StringIO()).handle(
        f"/remix {clip_id} make it noir")
    await animate(studio, CONSOLE_ALICE, clip_id)
    assert f"remix of alice's clip #{clip_id}: style: noir" in await bob.handle(f"/remix {clip_id} make it noir")
