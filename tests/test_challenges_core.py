"""Vote challenges through the core API: rules, entries, votes, deadlines (across a restart), results."""
from __future__ import annotations

import asyncio

import numpy as np
import pytest
from PIL import Image

from generation.errors import RecipeError
from common.errors import NotAllowed, NotFound
from storage.settings import set_setting
from studio.challenges import (
    DEADLINE_EVENT,
    ChallengeResults,
    ChallengeRules,
    ChallengeService,
    DeadlineLoop,
    run_due_events,
)
from studio import profiles
from studio.errors import StudioError
from studio.members import Member
from common.errors import InvalidValue
from studio.challenges import MAX_DURATION_S, MIN_DURATION_S
from studio.converters import format_duration, to_duration_s
from refusals import refused
from challenge_fixtures import (  # noqa: F401
    ALICE, BOB, CAROL, DAVE, ERIN, FRANK, HOUR, T0, member, open_studio, ready_clip, studio,
)  # fmt: skip


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("48h", 48 * 3600), ("90m", 5400), ("2d", 2 * 86400), ("1h30m", 5400), (" 1H 30m ", 5400), ("1w", 604800)],
)
def test_challenge_durations(text, seconds):
    assert to_duration_s(text, MIN_DURATION_S, MAX_DURATION_S) == seconds


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("soon", "invalid_duration"),
        ("1.5h", "invalid_duration"),
        ("-2h", "invalid_duration"),
        ("", "invalid_duration"),
        ("30s", "duration_out_of_range"),
        ("2m", "duration_out_of_range"),
        ("31d", "duration_out_of_range"),
        ("99999999999999999999999w", "duration_out_of_range"),
    ],
)
def test_challenge_duration_refusals_have_a_code(text, code):
    with pytest.raises(InvalidValue) as raised:
        to_duration_s(text, MIN_DURATION_S, MAX_DURATION_S)
    assert raised.value.code == code
    if code == "duration_out_of_range":
        assert {key: str(value) for key, value in raised.value.params.items()} == {"low": "5m", "high": "30d"}


def test_format_duration():
    assert [format_duration(s).english() for s in (30, 5400, 2 * 86400 + 3 * 3600 + 60)] == [
        "less than a minute", "1h 30m", "2d 3h",
    ]  # fmt: skip


async def test_only_admins_and_moderator_roles_start_challenges(studio):
    service = ChallengeService(studio)
    with pytest.raises(NotAllowed):
        await service.start(BOB, "Cats at sea", "48h", now=T0)
    await studio.adb.write(set_setting, 10, "moderator_roles", "77, 78")
    with pytest.raises(NotAllowed):
        await service.start(member(2, "bob", roles=(5,)), "Cats at sea", "48h", now=T0)
    view = await service.start(member(2, "bob", roles=(5, 78)), "Cats at sea", "48h", now=T0)
    assert (view.challenge.created_by, view.challenge.ends_at, view.time_left) == (2, T0 + 48 * HOUR, 48 * HOUR)
    assert view.is_open and view.results is None

    with pytest.raises(RecipeError):
        await service.start(ALICE, "Cats", "1h", rules=ChallengeRules(model="no-such-model"), now=T0)
    with refused("rules_for_relay"):
        await service.start(ALICE, "Cats", "1h", rules=ChallengeRules(max_turns=4), now=T0)
    with refused("rule_out_of_range"):
        await service.start(ALICE, "Cats", "1h", rules=ChallengeRules(max_shots=9), now=T0)
    with refused("server_only"):
        await service.start(Member(1, "alice", can_moderate=True), "Cats", "1h")


async def test_entries_follow_the_rules_and_can_be_replaced(studio):
    service = ChallengeService(studio)
    rules = ChallengeRules(max_shots=2, model="tiny", allow_remixes=False)
    challenge = (await service.start(ALICE, "Cats at sea", "2h", rules=rules, now=T0)).challenge
    theirs = await ready_clip(studio, CAROL)

    refusals = [
        (await ready_clip(studio, BOB, status="rendering"), StudioError, "still_rendering"),
        (await ready_clip(studio, BOB, status="failed"), StudioError, "not_rendered"),
        (await ready_clip(studio, BOB, shots=3), StudioError, "too_many_shots"),
        (await ready_clip(studio, BOB, model="wan-1.3b"), StudioError, "wrong_model"),
        (await ready_clip(studio, BOB, parent=theirs), StudioError, "remix_not_allowed"),
        (theirs, NotAllowed, "not_yours"),
    ]
    for clip, error, code in refusals:
        with refused(code, error):
            await service.submit(BOB, clip.id, challenge.id, now=T0 + 10)
    with pytest.raises(NotFound):
        await service.submit(BOB, 999, challenge.id, now=T0 + 10)

    own_original = await ready_clip(studio, BOB, shots=2)
    own_remix = await ready_clip(studio, BOB, parent=own_original)
    first = await service.submit(BOB, own_original.id, now=T0 + 10)  # the guild's one open challenge
    assert (first.challenge.id, first.entry.clip_id, first.replaced) == (challenge.id, own_original.id, None)
    carol_entry = await service.submit(CAROL, theirs.id, challenge.id, now=T0 + 20)
    await service.vote(CAROL, challenge.id, own_original.id, now=T0 + 30)

    # Replacing drops the votes cast for the replaced clip: voters chose that video.
    second = await service.submit(BOB, own_remix.id, challenge.id, now=T0 + 40)
    assert (second.entry.clip_id, second.replaced.clip_id) == (own_remix.id, own_original.id)
    assert await service.my_vote(CAROL, challenge.id) is None
    view = await service.show(BOB, challenge.id, now=T0 + 50)
    assert [(e.clip.id, e.entry.user_id) for e in view.entries] == [
        (carol_entry.entry.clip_id, CAROL.id), (own_remix.id, BOB.id),
    ]  # fmt: skip

    with refused("challenge_closed") as late:
        await service.submit(DAVE, (await ready_clip(studio, DAVE)).id, challenge.id, now=T0 + 2 * HOUR)
    assert late.value.template == "Challenge #{challenge_id} has ended, so entries are closed."
    with refused("not_found", NotFound):
        await service.show(Member(2, "bob", guild_id=99, channel_id=20), challenge.id)


async def test_votes_are_changeable_never_for_yourself_and_hidden_until_the_end(studio):
    service = ChallengeService(studio)
    challenge = (await service.start(ALICE, "Cats at sea", "1h", now=T0)).challenge
    bob_clip, carol_clip, stray = [await ready_clip(studio, author) for author in (BOB, CAROL, DAVE)]
    await service.submit(BOB, bob_clip.id, challenge.id, now=T0 + 1)
    await service.submit(CAROL, carol_clip.id, challenge.id, now=T0 + 2)

    with refused("own_entry"):
        await service.vote(BOB, challenge.id, bob_clip.id, now=T0 + 5)
    with refused("not_an_entry", NotFound):
        await service.vote(BOB, challenge.id, stray.id, now=T0 + 5)

    first = await service.vote(DAVE, challenge.id, bob_clip.id, now=T0 + 5)
    assert (first.previous_clip_id, first.changed) == (None, False)
    again = await service.vote(DAVE, challenge.id, bob_clip.id, now=T0 + 6)
    assert again.changed is False
    moved = await service.vote(DAVE, challenge.id, carol_clip.id, now=T0 + 7)
    assert (moved.previous_clip_id, moved.changed) == (bob_clip.id, True)
    await service.vote(BOB, challenge.id, carol_clip.id, now=T0 + 8)
    assert await service.my_vote(DAVE, challenge.id) == carol_clip.id

    view = await service.show(ERIN, challenge.id, now=T0 + 9)
    assert view.results is None, "votes stay hidden while the challenge runs"
    with refused("still_running"):
        await service.results(ERIN, challenge.id)
    with refused("challenge_closed"):
        await service.vote(ERIN, challenge.id, bob_clip.id, now=T0 + HOUR)

    [results] = await run_due_events(studio, now=T0 + HOUR)
    assert [(r.clip.id, r.votes) for r in results.ranking] == [(carol_clip.id, 2), (bob_clip.id, 0)]
    assert (await service.show(ERIN, challenge.id)).results.ranking == results.ranking


async def test_ties_share_a_rank_and_results_credit_every_remix_ancestor(studio):
    service = ChallengeService(studio)
    challenge = (await service.start(ALICE, "Cats at sea", "1h", now=T0)).challenge
    original = await ready_clip(studio, ERIN, title="The first cat")
    remix = await ready_clip(studio, FRANK, parent=original)
    entries = {
        DAVE: await ready_clip(studio, DAVE, parent=remix, title="Cat overboard", colour=(230, 20, 20)),
        BOB: await ready_clip(studio, BOB, title="Bob's boat"),
        CAROL: await ready_clip(studio, CAROL, title="Carol's cove"),
    }
    for offset, (author, clip) in enumerate(entries.items()):
        await service.submit(author, clip.id, challenge.id, now=T0 + 100 + offset)
    for voter, author in ((ERIN, DAVE), (FRANK, DAVE), (DAVE, CAROL), (CAROL, BOB), (ALICE, BOB)):
        await service.vote(voter, challenge.id, entries[author].id, now=T0 + 200)
    # Bob and Dave tie on votes: both are first (Dave, who entered first, is listed first); Carol is third.

    results = await service.close(ALICE, challenge.id, now=T0 + 300)
    assert isinstance(results, ChallengeResults)
    assert [(r.rank, r.clip.author_name, r.votes) for r in results.ranking] == [
        (1, "dave", 2), (1, "bob", 2), (3, "carol", 1),
    ]  # fmt: skip
    assert [r.clip.id for r in results.winners] == [entries[DAVE].id, entries[BOB].id, entries[CAROL].id]
    credits = results.credits[entries[DAVE].id]
    assert [(c.name, c.clip_id) for c in credits] == [("frank", remix.id), ("erin", original.id)]
    assert results.credits[entries[BOB].id] == []
    assert results.challenge.status == "closed" and results.challenge.ends_at == T0 + 300

    image = Image.open(results.leaderboard_path)
    pixels = np.asarray(image.convert("RGB")).astype(int)
    red = (pixels[..., 0] > 180) & (pixels[..., 1] < 70) & (pixels[..., 2] < 70)
    assert image.width == 880 and red.sum() > 3000, "the winner's thumbnail comes from its video"

    with refused("already_ended"):
        await service.close(ALICE, challenge.id)
    assert await service.run_due_events(now=T0 + 10 * HOUR) == [], "closing early cancels the deadline"

    shown = {m.name: await profiles.profile(service.studio, m) for m in (DAVE, BOB, ERIN, FRANK)}
    assert (shown["dave"].challenge_wins, shown["dave"].entries, shown["dave"].clips) == (1, 1, 1)
    assert (shown["bob"].challenge_wins, shown["bob"].entries) == (1, 1)  # a joint win
    assert (shown["erin"].remixes_received, shown["frank"].remixes_received) == (1, 1)


async def test_only_moderators_close_early(studio):
    service = ChallengeService(studio)
    challenge = (await service.start(ALICE, "Cats", "1h", now=T0)).challenge
    with pytest.raises(NotAllowed):
        await service.close(BOB, challenge.id, now=T0 + 1)
    results = await service.close(ALICE, challenge.id, now=T0 + 1)
    assert (results.ranking, results.winners, results.leaderboard_path) == ([], [], None)


async def test_a_restart_between_start_and_deadline_still_closes_the_challenge_once(tmp_path):
    home = tmp_path / "home"
    before = open_studio(home)
    service = ChallengeService(before)
    challenge = (await service.start(ALICE, "Cats at sea", "1h", now=T0)).challenge
    bob_clip, carol_clip = await ready_clip(before, BOB), await ready_clip(before, CAROL)
    await service.submit(BOB, bob_clip.id, challenge.id, now=T0 + 10)
    await service.submit(CAROL, carol_clip.id, challenge.id, now=T0 + 20)
    await service.vote(DAVE, challenge.id, carol_clip.id, now=T0 + 30)
    await before.aclose()

    after = open_studio(home)
    try:
        assert await run_due_events(after, now=T0 + HOUR - 1) == []
        assert await ChallengeService(after).next_deadline() == T0 + HOUR
        delivered = []

        async def deliver(results):
            delivered.append(results)

        [results] = await run_due_events(after, now=T0 + HOUR + 5, deliver=deliver)
        assert delivered == [results]
        assert results.challenge.id == challenge.id and results.challenge.status == "closed"
        assert [(r.clip.id, r.votes) for r in results.winners] == [(carol_clip.id, 1)]
        assert await run_due_events(after, now=T0 + HOUR + 6, deliver=deliver) == []
        assert len(delivered) == 1
        assert await ChallengeService(after).next_deadline() is None
        with refused("challenge_closed"):
            await ChallengeService(after).submit(DAVE, (await ready_clip(after, DAVE)).id, challenge.id, now=T0 + 30)
    finally:
        await after.aclose()


async def test_a_failed_delivery_is_retried_and_other_event_kinds_are_left_alone(studio):
    from storage.events import due_events, schedule_event

    service = ChallengeService(studio)
    await studio.adb.write(schedule_event, "someone_elses_event", T0, {"x": 1})
    challenge = (await service.start(ALICE, "Cats", "1h", now=T0)).challenge
    attempts = []

    async def flaky(results):
        attempts.append(results.challenge.id)
        if len(attempts) == 1:
            raise ConnectionError("chat is down")

    due = await studio.adb.read(due_events, now=T0 + HOUR)
    assert [e.kind for e in due] == ["someone_elses_event", DEADLINE_EVENT]
    assert await service.run_due_events(now=T0 + HOUR, deliver=flaky) == []
    [results] = await service.run_due_events(now=T0 + HOUR, deliver=flaky)
    assert attempts == [challenge.id, challenge.id] and results.challenge.status == "closed"
    assert [e.kind for e in await studio.adb.read(due_events, now=T0 + HOUR)] == ["someone_elses_event"]


async def test_deadline_loop_wakes_for_a_new_deadline_and_fires_it_once(studio):
    service = ChallengeService(studio)
    fired = asyncio.Event()
    delivered = []

    async def deliver(results):
        delivered.append(results.challenge.id)
        fired.set()

    clock = [T0]
    loop = DeadlineLoop(service, deliver, max_sleep=30.0, retry_delay=30.0, clock=lambda: clock[0])
    task = asyncio.create_task(loop.run())
    try:
        await asyncio.sleep(0.2)  # the loop has found nothing due and sleeps for max_sleep
        clock[0] = T0 + 301
        # A challenge whose deadline has already passed by the loop's clock: the new schedule wakes it.
        challenge = (await service.start(ALICE, "Cats", "5m", now=T0)).challenge
        await asyncio.wait_for(fired.wait(), 5)
        await asyncio.sleep(0.2)
        assert delivered == [challenge.id]
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_deadline_loop_stops_when_cancelled_as_it_is_woken(studio):
    service = ChallengeService(studio)

    async def deliver(results):
        pass

    task = asyncio.create_task(DeadlineLoop(service, deliver, max_sleep=30.0).run())
    await asyncio.sleep(0.2)  # asleep until a deadline is scheduled
    # A challenge starting as the front-end shuts down: the wake-up and the cancel arrive together.
    service.scheduled.set()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
