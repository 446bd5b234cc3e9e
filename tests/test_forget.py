"""/forget: a member's requests, clips' text, votes and profile leave; others' remixes stay."""
from __future__ import annotations

import dataclasses

import pytest

from bot.console import ConsoleSession, console_member
from common.errors import NotAllowed, NotFound
from renderqueue import jobs as job_store
from storage import challenges as challenge_store
from storage.forget import DELETED_MEMBER_NAME
from storage.users import get_user, set_remix_opt_out
from studio.challenges import ChallengeService
from studio.lineage import lineage, lineage_text
from studio.remix import credit
from studio.requests import VideoOptions
from challenge_fixtures import ALICE, BOB, CAROL, DAVE, T0, ready_clip, studio  # noqa: F401

MARKER = "zebra-marker-4711"


def dump(studio) -> str:
    from storage.db import open_db

    db = open_db(studio.config.db_path)
    try:
        return "\n".join(db.conn.iterdump())
    finally:
        db.close()


async def test_forget_me_removes_the_members_data_and_keeps_others_remixes(studio):
    service = ChallengeService(studio)
    challenge = (await service.start(ALICE, "Cats at sea", "48h", now=T0)).challenge
    original = await ready_clip(studio, CAROL, title=f"{MARKER} original", colour=(200, 10, 10))
    remixed = await ready_clip(studio, BOB, parent=original, title="bob's take")
    await service.submit(CAROL, original.id, challenge.id, now=T0 + 1)
    await service.submit(BOB, remixed.id, challenge.id, now=T0 + 1)
    await service.vote(CAROL, challenge.id, remixed.id, now=T0 + 2)
    await studio.adb.write(set_remix_opt_out, CAROL.id, True, name=CAROL.name)
    queued = await studio.create(CAROL, f"{MARKER} a cat sails", VideoOptions(shots=1, duration=1))
    assert MARKER in dump(studio)

    forgotten = await studio.forget(CAROL)
    assert forgotten.total > 0 and forgotten.changed["requests"] == 1 and forgotten.changed["profile"] == 1
    text = dump(studio)
    assert MARKER not in text and "'carol'" not in text
    assert await studio.adb.read(get_user, CAROL.id) is None
    job = await studio.adb.read(job_store.get_job, queued.job.id)
    assert job.status == "cancelled" and job.user_id == 0 and job.notified_at is not None
    for clip_id in (original.id, queued.clip.id):
        with pytest.raises(NotFound):
            await studio.visible_clip(BOB, clip_id)
    assert not (studio.config.media_dir / f"clip-{original.id}.mp4").exists()
    # Bob's remix stays viewable, crediting a deleted member; its lineage keeps the placeholder.
    kept = await studio.visible_clip(BOB, remixed.id)
    assert (await credit(studio, kept)).english() == f"remix of {DELETED_MEMBER_NAME}'s clip #{original.id} (deleted)"
    family = lineage_text(await lineage(studio, BOB, kept.id))
    assert family.startswith(f"#{original.id} [deleted]\n└─ #{kept.id} bob")
    view = await service.show(BOB, challenge.id)
    assert [entry.clip.id for entry in view.entries] == [remixed.id]
    assert await service.my_vote(CAROL, challenge.id) is None
    # Idempotent: a second run finds nothing left.
    assert (await studio.forget(CAROL)).total == 0


async def test_a_moderator_forgets_a_member_in_their_own_server_only(studio):
    here = await ready_clip(studio, CAROL, title=f"{MARKER} here")
    there = await ready_clip(studio, dataclasses.replace(CAROL, guild_id=99), title="far away")
    with pytest.raises(NotAllowed) as info:
        await studio.forget(BOB, CAROL.id)
    assert info.value.code == "not_moderator"
    forgotten = await studio.forget(ALICE, CAROL.id)  # alice moderates server 10
    assert forgotten.changed["clips"] == 1 and forgotten.changed["profile"] == 0
    with pytest.raises(NotFound):
        await studio.clip(here.id)
    assert (await studio.clip(there.id)).author_name == "carol"


async def test_console_forget(studio):
    session = ConsoleSession(studio, console_member("dora"))
    clip = await ready_clip(studio, session.member, title=MARKER)
    assert (await session.handle("/forget me")).endswith("To go ahead, type: /forget me confirm")
    assert (await studio.clip(clip.id)).request.startswith(MARKER), "asking forgets nothing"
    assert (await session.handle("/forget me confirm")).startswith("Done: 3 records about you")
    assert await session.handle("/forget me confirm") == "Reelbot holds nothing more about you."
    assert "usage" in await session.handle("/forget everyone")
    with pytest.raises(NotFound):
        await studio.clip(clip.id)
    assert MARKER not in dump(studio)



async def test_forget_hands_back_every_message_that_showed_the_member_and_takes_them_off(studio):
    from storage.posts import Post

    original = await ready_clip(studio, CAROL, title="Carol's cat")
    remix = await ready_clip(studio, BOB, parent=original, title="Bob's cat")
    await studio.record_post(Post(501, 20, 10, "clip", original.id, {}, frozenset({CAROL.id})))
    await studio.record_post(Post(502, 20, 10, "clip", remix.id, {"image": "storyboard-2.png"},
                                  frozenset({BOB.id, CAROL.id})))
    await studio.record_post(Post(503, 20, 10, "clip", remix.id, {}, frozenset({BOB.id})))
    # A direct message about a remix in server 10 (its channel the DM's), and a post in another server.
    await studio.record_post(Post(504, 30, 10, "notice", remix.id, {}, frozenset({CAROL.id, BOB.id})))
    await studio.record_post(Post(505, 20, 99, "results", 1, {}, frozenset({CAROL.id})))

    forgotten = await studio.forget(ALICE, CAROL.id)  # a moderator of server 10: that server only
    assert [(post.message_id, post.kind, post.detail) for post in forgotten.shown] == [
        (501, "clip", {}), (502, "clip", {"image": "storyboard-2.png"}), (504, "notice", {})]
    assert forgotten.changed["posts"] == 3
    assert (await studio.post(502)).members == frozenset({BOB.id}) and (await studio.post(505)).members == {CAROL.id}
    everywhere = await studio.forget(CAROL)
    assert [post.message_id for post in everywhere.shown] == [505]
    assert (await studio.forget(CAROL)).shown == []
    await studio.drop_post(503)
    assert await studio.post(503) is None and [p.message_id for p in await studio.posts_about("clip", remix.id)] == [502]


async def test_a_forgotten_members_words_leave_the_remixes_that_quoted_them(studio):
    original = await ready_clip(studio, CAROL, title="Cat", request=f"{MARKER} a cat at sea")
    remix = await ready_clip(studio, BOB, parent=original, title="Cat, noir", request=f"{MARKER} a cat at sea")
    again = await ready_clip(studio, DAVE, parent=remix, title="Cat, noir, night", request=f"{MARKER} a cat at sea")
    own = await ready_clip(studio, BOB, parent=original, title="Bob's own words", request="a dog at sea")
    await studio.forget(CAROL)
    assert [(await studio.clip(c.id)).request for c in (remix, again, own)] == ["", "", "a dog at sea"]
    assert MARKER not in dump(studio)


async def test_a_forgotten_members_relay_shot_stays_in_the_film_anonymised(studio):
    service = ChallengeService(studio)
    relay = (await service.start(ALICE, "A fox in the snow", "2h", kind="relay", now=T0)).challenge

    shots = []
    for author, text in ((BOB, "the fox digs"), (CAROL, f"{MARKER} an owl watches")):
        clip = await ready_clip(studio, author, title=text, storyboard=True)
        await studio.adb.write(challenge_store.add_relay_turn, relay.id, user_id=author.id, text=text, clip_id=clip.id)
        shots.append(clip)
    before = await service.relay_film(BOB, relay.id)
    await studio.forget(CAROL)
    after = await service.relay_film(BOB, relay.id)
    # The same cut, the same file: Carol's frames stay, her words, name and storyboard go.
    assert after.path == before.path and [shot.turn.position for shot in after.shots] == [1, 2]
    assert [name.english() for name in after.contributors] == ["bob", DELETED_MEMBER_NAME]
    kept = after.shots[1]
    assert kept.kept and kept.turn.text == "" and kept.clip.storyboard_path is None
    assert (studio.config.media_dir / "challenges").exists() and after.path.is_file()
    assert MARKER not in dump(studio)
    with pytest.raises(NotFound):
        await studio.clip(shots[1].id)  # no page, no remix, no profile count: only the film keeps it
