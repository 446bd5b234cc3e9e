from __future__ import annotations

import pytest
from storage_fixtures import make_clip

from storage.challenges import (
    add_entry,
    add_relay_turn,
    cast_vote,
    create_challenge,
    get_challenge,
    list_challenges,
    list_entries,
    relay_turns,
    set_relay_clip,
    tally,
    update_challenge,
    withdraw_entry,
)
from storage.db import open_db
from common.errors import Conflict, NotFound
from storage.events import cancel_events, due_events, mark_fired, next_due_at, schedule_event



def _challenge(db, kind="vote"):
    return create_challenge(
        db, guild_id=10, channel_id=20, theme="Cats at sea", kind=kind, created_by=1,
        starts_at=100.0, ends_at=200.0, rules={"max_seconds": 12},
    )  # fmt: skip


def test_challenge_crud(db):
    challenge = _challenge(db)
    assert get_challenge(db, challenge.id).rules == {"max_seconds": 12}
    assert challenge.status == "open"
    updated = update_challenge(db, challenge.id, status="cancelled", announcement_message_id=77)
    assert (updated.status, updated.announcement_message_id, updated.ends_at) == ("cancelled", 77, 200.0)
    assert [c.id for c in list_challenges(db, 10, status="cancelled")] == [challenge.id]
    assert list_challenges(db, 10, status="open") == []
    with pytest.raises(NotFound):
        get_challenge(db, 999)


def test_one_entry_per_user_and_votes_move(db):
    challenge = _challenge(db)
    first, second = make_clip(db, author_id=1), make_clip(db, author_id=2)
    add_entry(db, challenge.id, user_id=1, clip_id=first.id, now=1.0)
    add_entry(db, challenge.id, user_id=2, clip_id=second.id, now=2.0)
    with pytest.raises(Conflict) as raised:
        add_entry(db, challenge.id, user_id=1, clip_id=make_clip(db, author_id=1).id)
    assert "one entry per person" in raised.value.user_message
    assert [e.user_id for e in list_entries(db, challenge.id)] == [1, 2]

    assert tally(db, challenge.id) == [(first.id, 0), (second.id, 0)], "ties go to the earlier entry"
    assert cast_vote(db, challenge.id, voter_id=50, clip_id=first.id) is False
    assert cast_vote(db, challenge.id, voter_id=51, clip_id=second.id) is False
    assert cast_vote(db, challenge.id, voter_id=52, clip_id=second.id) is False
    assert cast_vote(db, challenge.id, voter_id=50, clip_id=second.id) is True
    assert tally(db, challenge.id) == [(second.id, 3), (first.id, 0)]
    with pytest.raises(NotFound):
        cast_vote(db, challenge.id, voter_id=53, clip_id=make_clip(db).id)

    assert withdraw_entry(db, challenge.id, 1)
    assert [e.user_id for e in list_entries(db, challenge.id)] == [2]


def test_relay_turns_are_numbered_in_order(db):
    challenge = _challenge(db, kind="relay")
    add_relay_turn(db, challenge.id, user_id=1, text="A cat finds a boat.")
    second = add_relay_turn(db, challenge.id, user_id=2, text="A storm rolls in.")
    clip = make_clip(db)
    set_relay_clip(db, challenge.id, second.position, clip.id)
    turns = relay_turns(db, challenge.id)
    assert [(t.position, t.user_id, t.clip_id) for t in turns] == [(1, 1, None), (2, 2, clip.id)]


def test_scheduled_events_survive_a_restart_and_fire_once(db, db_path):
    soon = schedule_event(db, "challenge_end", 100.0, {"challenge_id": 3})
    schedule_event(db, "challenge_end", 500.0, {"challenge_id": 4})
    doomed = schedule_event(db, "voting_end", 50.0, {"challenge_id": 4})
    assert next_due_at(db) == 50.0
    assert cancel_events(db, "voting_end", challenge_id=4) == 1

    reopened = open_db(db_path)
    due = due_events(reopened, now=150.0)
    assert [(e.id, e.payload) for e in due] == [(soon.id, {"challenge_id": 3})]
    assert doomed.id not in [e.id for e in due]
    assert mark_fired(reopened, soon.id, now=151.0) is True
    assert mark_fired(reopened, soon.id, now=152.0) is False
    assert due_events(reopened, now=150.0) == []
    assert [e.payload for e in due_events(reopened, now=1000.0)] == [{"challenge_id": 4}]
