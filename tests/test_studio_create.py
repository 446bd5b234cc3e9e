"""The core request path: validate, persist, expand, queue; and what survives a crash."""
from __future__ import annotations

import asyncio
from dataclasses import asdict, replace

import pytest

from bot.i18n import error_message

from generation.encoding import probe
from generation.errors import RecipeError
from prompts.errors import UnsafeRequest
from prompts.expand import RuleBasedExpander
from prompts.schema import ShotList
from common.errors import QueueFull
from storage.requests import record_request, unfinished_requests
from storage.settings import set_setting
from studio.errors import StudioError
from studio.remix import parse_change
from studio.resume import resume_requests
from studio.runtime import follow_job, open_studio
from studio.requests import VideoOptions
from studio.service import Studio
from studio_fixtures import ALICE, BOB


async def _rows(studio: Studio, sql: str) -> list[dict]:
    return await studio.adb.read(lambda db: list(db.query(sql)))


async def test_create_commits_request_clip_and_job_before_returning(studio: Studio) -> None:
    accepted = await studio.create(ALICE, "a giant monster walking through New York", VideoOptions(shots=3, seed=5))

    assert len(accepted.shot_list.shots) == 3
    assert accepted.clip.author_id == ALICE.id and accepted.clip.status == "queued"
    assert accepted.job.status == "queued" and accepted.estimate is not None and accepted.estimate.position == 1
    # A fresh connection sees everything: it was committed, not just written.
    fresh = open_studio(studio.config)
    try:
        [request] = await _rows(fresh, "SELECT status, clip_id FROM requests")
        assert request == {"status": "accepted", "clip_id": accepted.clip.id}
        clip = await fresh.clip(accepted.clip.id)
        assert [r["seed"] for r in clip.recipes] == [r.seed for r in Studio.recipes(clip)]
        assert len(set(r["seed"] for r in clip.recipes)) == 3
    finally:
        await fresh.aclose()


async def test_same_seed_gives_same_recipes(studio: Studio) -> None:
    first = await studio.create(ALICE, "a dragon over a forest", VideoOptions(seed=42))
    second = await studio.create(BOB, "a dragon over a forest", VideoOptions(seed=42))
    assert first.clip.recipes == second.clip.recipes


class CrashingExpander:
    """Stands in for a bot process that dies while the LLM is still thinking."""

    async def expand(self, request, options=None):  # noqa: ANN001
        raise KeyboardInterrupt


async def test_request_received_before_a_crash_is_finished_on_restart(config) -> None:  # noqa: ANN001
    crashing = Studio(config, open_studio(config).adb, CrashingExpander())
    with pytest.raises(KeyboardInterrupt):
        await crashing.create(ALICE, "a lighthouse in a storm", VideoOptions(shots=2))
    await crashing.aclose()

    restarted = open_studio(config)
    try:
        [resumed] = await resume_requests(restarted, "console")
        assert resumed.error is None and resumed.request.text == "a lighthouse in a storm"
        assert resumed.accepted.clip.request == "a lighthouse in a storm"
        assert len(resumed.accepted.shot_list.shots) == 2
        assert await resume_requests(restarted, "console") == []
    finally:
        await restarted.aclose()


async def test_queue_limit_refuses_and_leaves_no_clip(studio: Studio) -> None:
    await studio.adb.write(set_setting, ALICE.guild_id, "max_queued_per_user", 1)
    await studio.create(ALICE, "a cat on a boat")
    with pytest.raises(QueueFull) as refused:
        await studio.create(ALICE, "a dog on a boat")
    assert "limit here is 1" in refused.value.user_message
    assert len(await _rows(studio, "SELECT id FROM clips")) == 1
    statuses = [row["status"] for row in await _rows(studio, "SELECT status FROM requests ORDER BY id")]
    assert statuses == ["accepted", "rejected"]
    # Someone else is not affected by Alice's limit.
    await studio.create(BOB, "a dog on a boat")


async def test_channel_restriction(studio: Studio) -> None:
    await studio.adb.write(set_setting, ALICE.guild_id, "allowed_channels", "<#999>")
    with pytest.raises(StudioError) as refused:
        await studio.create(ALICE, "a cat")
    assert (refused.value.code, refused.value.params["channel_ids"]) == ("wrong_channel", (999,))
    # Discord shows the channels as mentions.
    assert "<#999>" in error_message(refused.value)
    await studio.create(replace(ALICE, channel_id=999), "a cat")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (VideoOptions(model="sora"), "tiny"),
        (VideoOptions(shots=9), "between 1 and 4"),
        (VideoOptions(aspect="4:3"), "16:9"),
        (VideoOptions(duration=500), "60 seconds"),
    ],
)
async def test_bad_options_are_refused_with_a_specific_message(studio: Studio, options, message) -> None:  # noqa: ANN001
    with pytest.raises((StudioError, RecipeError)) as refused:
        await studio.create(ALICE, "a cat", options)
    assert message in refused.value.user_message
    assert await _rows(studio, "SELECT id FROM requests") == []


async def test_unsafe_requests_and_unsafe_expansions_are_refused(studio: Studio) -> None:
    with pytest.raises(UnsafeRequest):
        await studio.create(ALICE, "a nude schoolgirl")

    class SneakyExpander:
        async def expand(self, request, options=None):  # noqa: ANN001
            shot_list = await RuleBasedExpander().expand(request, options)
            bad = shot_list.shots[0].model_copy(update={"prompt": "graphic gore, dismemberment, a cat"})
            return ShotList.model_validate({**shot_list.model_dump(), "shots": [bad.model_dump()]})

    sneaky = Studio(studio.config, studio.adb, SneakyExpander())
    with pytest.raises(UnsafeRequest):
        await sneaky.create(ALICE, "a cat in a garden")
    [request] = await _rows(studio, "SELECT status FROM requests")
    assert request["status"] == "rejected"


async def test_created_clip_renders_to_a_playable_video(studio: Studio, worker) -> None:  # noqa: ANN001
    accepted = await studio.create(ALICE, "a giant monster walking through New York", VideoOptions(shots=2, seed=1))
    updates = []

    async def record(view) -> None:  # noqa: ANN001
        updates.append(view.job.status)

    view = await asyncio.wait_for(follow_job(studio, accepted.job.id, record, interval=0.1), 120)
    assert view.job.status == "done", view.job.error
    assert "running" in updates or "queued" in updates
    info = probe(view.clip.video_path)
    recipes = Studio.recipes(view.clip)
    assert info.frame_count == sum(r.frames for r in recipes)
    assert (info.width, info.height) == (recipes[0].width, recipes[0].height)
    [delivery] = await studio.finished_jobs("console")
    await studio.mark_delivered(delivery.job, posted_message_id=77)
    assert await studio.finished_jobs("console") == []
    assert (await studio.clip(accepted.clip.id)).posted_message_id == 77


async def test_finished_jobs_are_handed_only_to_the_front_end_that_asked(studio: Studio, worker) -> None:  # noqa: ANN001
    console = await studio.create(ALICE, "a cat on a roof", VideoOptions(shots=1))
    discord = await studio.create(replace(BOB, transport="discord"), "a dog on a roof", VideoOptions(shots=1))
    for accepted in (console, discord):
        await asyncio.wait_for(follow_job(studio, accepted.job.id, interval=0.1), 120)

    assert [view.clip.id for view in await studio.finished_jobs("discord")] == [discord.clip.id]
    assert [view.clip.id for view in await studio.finished_jobs("console")] == [console.clip.id]
    assert (discord.clip.transport, console.clip.transport) == ("discord", "console")


async def test_interrupted_remixes_are_finished_on_restart(studio: Studio) -> None:
    parent = await studio.create(ALICE, "a red kite over the sea", VideoOptions(shots=2, seed=9))
    change = parse_change("reroll 2")

    def interrupted(db, kind: str, options: dict, transport: str = "console"):  # noqa: ANN001
        return record_request(db, kind=kind, guild_id=BOB.guild_id, channel_id=BOB.channel_id, user_id=BOB.id,
                              user_name=BOB.name, text=change.describe().english(), options=options, transport=transport)  # fmt: skip

    remix = await studio.adb.write(interrupted, "remix", {"clip_id": parent.clip.id, "change": asdict(change)})
    unknown = await studio.adb.write(interrupted, "teleport", {})
    other_front_end = await studio.adb.write(interrupted, "create", {}, "discord")

    resumed = {item.request.id: item for item in await resume_requests(studio, "console")}

    assert set(resumed) == {remix.id}, "a kind no loaded feature knows is left for one that does"
    child = resumed[remix.id].accepted.clip
    assert child.parent_id == parent.clip.id and child.author_id == BOB.id
    assert [r["seed"] for r in child.recipes][0] == parent.clip.recipes[0]["seed"]
    assert [r["seed"] for r in child.recipes][1] != parent.clip.recipes[1]["seed"]
    assert [r.id for r in await studio.adb.read(unfinished_requests, "console")] == [unknown.id]
    [left] = await studio.adb.read(unfinished_requests, "discord")
    assert left.id == other_front_end.id
