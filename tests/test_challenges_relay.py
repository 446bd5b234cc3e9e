"""A relay of four members rendered by a real worker with the tiny model, stitched as the film grows."""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from generation.encoding import probe
from generation.storyboard_check import panel_faults
from renderqueue.rendering import process_job
from renderqueue.worker_config import WorkerConfig
from renderqueue.settings import WorkerSettings
from prompts.schema import ShotList, StyleBible
from storage.db import open_db
from common.errors import QueueFull
from renderqueue.jobs import claim_next, job_for_clip
from storage.challenges import add_relay_turn, relay_turns
from storage.requests import StoredRequest, record_request
from storage.settings import set_setting
from studio import profiles
from studio.challenges import ChallengeRules, ChallengeService, RelayResults
from studio.resume import resume_requests
from refusals import refused
from challenge_fixtures import ALICE, BOB, CAROL, DAVE, GUILD, HOUR, T0, studio  # noqa: F401


def all_requests(db) -> list[StoredRequest]:
    return [StoredRequest.from_row(row) for row in db.query("SELECT * FROM requests ORDER BY id")]


def render_jobs(studio, pipelines, tiny_models_dir, count: int) -> None:
    """Claim and render up to `count` queued jobs, as a worker process would."""
    config = WorkerConfig(
        db_path=studio.config.db_path,
        media_dir=studio.config.media_dir,
        models_dir=tiny_models_dir,
        worker_id="relay-test",
        settings=WorkerSettings(device="cpu"),
    )
    db = open_db(config.db_path)
    try:
        for _ in range(count):
            job = claim_next(db, config.worker_id, loaded_model="tiny")
            if job is None:
                return
            process_job(db, job, pipelines, config, threading.Event())
    finally:
        db.close()


async def test_a_relay_of_four_members_becomes_one_film(studio, pipelines, tiny_models_dir):
    service = ChallengeService(studio)
    rules = ChallengeRules(max_turns=5, shot_seconds=1.0)
    relay = await service.start(ALICE, "a lighthouse keeper on a stormy night", "1h", kind="relay", rules=rules, now=T0)
    challenge = relay.challenge
    assert (challenge.kind, relay.rules.model, relay.rules.max_turns) == ("relay", "tiny", 5)
    bible = StyleBible.model_validate(challenge.rules["bible"])
    assert "lighthouse" in bible.characters

    lines = {
        ALICE: "the keeper climbs the spiral stairs with a lantern",
        BOB: "a ship appears through the rain",
        CAROL: "the lamp sweeps across the waves",
        DAVE: "the ship reaches the harbour at dawn",
    }
    added = []
    for position, (author, text) in enumerate(lines.items(), 1):
        turn = await service.relay_add(author, text, now=T0 + position)
        assert (turn.turn.position, turn.turn.user_id, turn.challenge.id) == (position, author.id, challenge.id)
        added.append(turn)
        if author is BOB:
            with refused("turn_twice"):
                await service.relay_add(BOB, "the ship sails on", challenge.id, now=T0 + 2.5)

    clips = [turn.accepted.clip for turn in added]
    for clip in clips:
        shot_list = ShotList.model_validate(clip.shot_list)
        assert len(shot_list.shots) == 1 and shot_list.bible == bible, "every shot keeps the relay's style bible"
        assert clip.model == "tiny-wan"
    jobs = [await studio.adb.read(job_for_clip, clip.id) for clip in clips]
    assert {job.priority for job in jobs} == {0}, "relay shots render at draft priority"
    # ...and as drafts, through the preset's fast path (tiny-wan's: its distilled LoRA).
    assert {(c.recipes[0]["quality"], c.recipes[0]["fast_path"]) for c in clips} == {("draft", "tiny-wan-distill-lora")}
    assert len({clip.recipes[0]["seed"] for clip in clips}) == 4

    challenge_of, turn_of = await service.relay_turn_of(clips[2].id)
    assert (challenge_of.id, turn_of.position, turn_of.user_id) == (challenge.id, 3, CAROL.id)

    # The film grows as shots are rendered; unrendered shots wait for a later cut.
    await asyncio.to_thread(render_jobs, studio, pipelines, tiny_models_dir, 2)
    early = await service.relay_film(BOB)
    assert (len(early.shots), len(early.pending)) == (2, 2)
    assert probe(early.path).frame_count == sum(probe(s.clip.video_path).frame_count for s in early.shots)

    await asyncio.to_thread(render_jobs, studio, pipelines, tiny_models_dir, 2)
    film = await service.relay_film(BOB, challenge.id)
    assert [shot.turn.position for shot in film.shots] == [1, 2, 3, 4] and film.pending == []
    for shot in film.shots:  # each turn's one-second shot is trimmed to its 8 frames; its panel shows it
        assert panel_faults(Path(shot.clip.storyboard_path), [Path(shot.clip.video_path)]) == []
    assert [name.english() for name in film.contributors] == ["alice", "bob", "carol", "dave"]
    frames = [probe(shot.clip.video_path).frame_count for shot in film.shots]
    assert probe(film.path).frame_count == sum(frames) and film.path != early.path

    with refused("wrong_kind"):
        await service.submit(ALICE, clips[0].id, challenge.id, now=T0 + 10)
    [results] = await service.run_due_events(now=T0 + HOUR)
    assert isinstance(results, RelayResults) and results.challenge.status == "closed"
    assert results.film.path == film.path, "the final cut reuses the stitched film"
    assert [(s.author.english(), s.turn.text) for s in results.film.shots] == [(m.name, t) for m, t in lines.items()]
    with refused("challenge_closed"):
        await service.relay_add(BOB, "one more shot", challenge.id, now=T0 + HOUR + 1)

    view = await service.show(DAVE, challenge.id)
    assert [turn.status for turn in view.turns] == ["ready"] * 4 and view.results.film.path == film.path
    assert (await profiles.profile(service.studio, BOB)).relay_turns == 1


async def test_relay_turn_limit_and_refusals_leave_no_turn_behind(studio):
    service = ChallengeService(studio)
    rules = ChallengeRules(max_turns=2)
    relay = await service.start(ALICE, "a fox in the snow", "1h", kind="relay", rules=rules, now=T0)
    with refused("none_open"):
        await service.submit(BOB, 1, now=T0 + 1)
    await service.relay_add(BOB, "the fox digs for mice", now=T0 + 1)
    await service.relay_add(CAROL, "an owl watches from a pine", now=T0 + 2)
    with refused("relay_full"):
        await service.relay_add(DAVE, "night falls", now=T0 + 3)
    with refused("rules_for_relay"):
        await service.start(ALICE, "x", "1h", rules=ChallengeRules(max_turns=3), now=T0)

    other = (await service.start(ALICE, "a second relay", "1h", kind="relay", now=T0)).challenge
    with refused("several_open"):
        await service.relay_add(DAVE, "night falls", now=T0 + 3)
    # Bob's first shot is still queued: a queue limit refuses his next one after its turn was reserved.
    await studio.adb.write(set_setting, GUILD, "max_queued_per_user", 1)
    with pytest.raises(QueueFull):
        await service.relay_add(BOB, "night falls", other.id, now=T0 + 3)
    assert (await service.show(DAVE, other.id)).turns == []
    [request] = [r for r in await studio.adb.read(all_requests) if r.status == "rejected"]
    assert request.kind == "relay" and request.error
    assert [t.turn.position for t in (await service.show(DAVE, relay.challenge.id)).turns] == [1, 2]


async def test_a_turn_interrupted_by_a_restart_is_finished_in_its_reserved_place(studio):
    service = ChallengeService(studio)
    relay = (await service.start(ALICE, "a lighthouse keeper", "1h", kind="relay")).challenge
    await service.relay_add(ALICE, "the keeper lights the lamp")

    def crashed_mid_turn(db) -> StoredRequest:
        # What a crash leaves behind: the request stored and a place reserved, but no clip queued.
        add_relay_turn(db, relay.id, user_id=BOB.id, text="a ship appears through the rain")
        return record_request(db, kind="relay", guild_id=BOB.guild_id, channel_id=BOB.channel_id, user_id=BOB.id,
                              user_name=BOB.name, text="a ship appears through the rain",
                              options={"challenge_id": relay.id})  # fmt: skip

    stored = await studio.adb.write(crashed_mid_turn)
    [resumed] = await resume_requests(studio, "console")

    assert resumed.request.id == stored.id and resumed.error is None
    turns = await studio.adb.read(relay_turns, relay.id)
    assert [(turn.position, turn.user_id) for turn in turns] == [(1, ALICE.id), (2, BOB.id)]
    assert turns[1].clip_id == resumed.accepted.clip.id
    assert [r.status for r in await studio.adb.read(all_requests)] == ["accepted", "accepted"]
