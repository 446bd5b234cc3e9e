"""The storyboard of stills on Discord (loopback server, tiny-model renders): the request's message becomes
the storyboard, its menus change one shot at a time, Animate renders the clip from the approved stills."""
from __future__ import annotations

from pathlib import Path

from bot_harness import REQUEST, World, eventually
from generation.storyboard import board_panels
from generation.storyboard_check import panel_faults
from storage.settings import set_setting
from studio.service import Studio
from studio.storyboards.actions import storyboard
from studio.members import Member


def _has_board(message) -> bool:  # noqa: ANN001
    return any(a.filename.startswith("stills-") for a in message.attachments)


async def _board_of(world: World, clip_id: int):  # noqa: ANN202
    alice = Member(world.alice.id, "alice", world.guild.id, world.general.id, transport="discord")
    return await storyboard(world.studio, alice, clip_id)


async def test_the_request_message_becomes_the_storyboard_then_the_clip(world: World, worker, tmp_path: Path) -> None:  # noqa: ANN001
    fake = world.fake
    await world.studio.adb.write(set_setting, world.guild.id, "stills_first", "ask")
    async with fake.running(world.bot()):
        ix = await fake.slash(world.alice, "video", {"prompt": REQUEST, "shots": 2, "duration": 2})
        status = await ix.wait_message(_has_board, timeout=120)
        assert "the stills of clip #1 are ready" in status.content and "Preview" not in status.content
        ids = status.custom_ids()
        assert {"reelbot:stills:shot:1", "reelbot:storyboard:animate:1", "reelbot:storyboard:cancel:1"} <= set(ids)
        assert "reelbot:storyboard:retry:1" not in ids  # nothing failed
        # What the member sees: the board attached to the message, one panel per still, each showing it.
        board = tmp_path / "board.png"
        board.write_bytes(status.attachment("stills-1.png").data)
        view = await _board_of(world, 1)
        assert len(board_panels(board)) == 2 and panel_faults(board, view.still_paths()) == []
        menu = [option["value"] for option in status.component("reelbot:stills:shot:1")["options"]]
        assert menu == ["edit:1", "reroll:1", "remove:1", "edit:2", "reroll:2", "remove:2"]

        # Edit shot 1 in words: an empty note is refused privately, the stills stay.
        opened = await fake.click(status, "reelbot:stills:shot:1", world.alice, values=["edit:1"])
        empty = await fake.submit_modal(opened, {"note": "   "}, world.alice)
        refusal = await empty.wait_message(lambda m: m.ephemeral)
        assert "Tell me what to change in shot 1" in refusal.content
        # Bob can't change Alice's storyboard.
        nope = await fake.click(status, "reelbot:stills:shot:1", world.bob, values=["reroll:2"])
        assert "Only alice" in (await nope.wait_message(lambda m: m.ephemeral)).content
        first_seed = (await _board_of(world, 1)).stills[1].recipe["seed"]
        rerolled = await fake.click(status, "reelbot:stills:shot:1", world.alice, values=["reroll:2"])
        assert "re-rolled" in (await rerolled.wait_message(lambda m: m.ephemeral)).content
        await eventually(lambda: _board_of(world, 1), lambda v: v.storyboard.status == "ready", timeout=120)
        assert (await _board_of(world, 1)).stills[1].recipe["seed"] != first_seed

        animate = await fake.click(status, "reelbot:storyboard:animate:1", world.alice)
        await animate.wait_response()
        await eventually(lambda: world.studio.clip(1), lambda clip: clip.status == "ready", timeout=120)
        posted = await world.posted_clip()
        assert "clip #1 is ready" in posted.content
        stills = [s.path for s in (await _board_of(world, 1)).stills]
        assert [r.init_image for r in Studio.recipes(await world.studio.clip(1))] == stills  # animated as approved
        await world.delivered()


async def test_two_stills_jobs_ending_together_edit_the_storyboard_once(world: World, worker) -> None:  # noqa: ANN001
    """A re-roll and an edit queued back to back: the first stills job renders both stills and the second finds
    nothing new. Delivered together, the second must not edit the message to what it already shows."""
    import asyncio

    from bot.origin import Origin

    fake = world.fake
    await world.studio.adb.write(set_setting, world.guild.id, "stills_first", "ask")
    async with fake.running(world.bot()) as bot:
        ix = await fake.slash(world.alice, "video", {"prompt": REQUEST, "shots": 1, "duration": 1})
        status = await ix.wait_message(_has_board, timeout=120)
        view = await world.studio.job_view((await _board_of(world, 1)).job.id)
        origin = Origin.of(view.clip)
        edits = lambda: sum(1 for r in fake.state.requests  # noqa: E731
                            if r.method == "PATCH" and r.path.endswith(f"/messages/{status.id}"))
        before = edits()
        await asyncio.gather(bot.delivery._show_storyboard(view, origin), bot.delivery._show_storyboard(view, origin))
        assert edits() - before <= 1 and _has_board(status)
