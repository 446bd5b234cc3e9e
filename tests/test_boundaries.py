"""Server boundaries and deletion through the core API: work stays in the server it was made in."""
from __future__ import annotations

import dataclasses

import pytest

from common.errors import NotAllowed, NotFound
from renderqueue import jobs as job_store
from storage.records import Clip
from studio.challenges import ChallengeService
from studio.lineage import lineage, lineage_text
from studio.remix import RemixChange, RemixError, recipe_card, remix, resolve_clip, set_opt_out
from studio.members import Member
from studio.service import Studio
from challenge_fixtures import ALICE, BOB, CAROL, DAVE, T0, ready_clip, studio  # noqa: F401

# An admin and a member of another server (ids distinct from server A's members).
OTHER_GUILD = 99
B_ADMIN = Member(50, "b-admin", OTHER_GUILD, 990, can_moderate=True)
B_MEMBER = Member(51, "b-member", OTHER_GUILD, 990)


def elsewhere(member: Member, guild_id: int = OTHER_GUILD) -> Member:
    """The same person, acting in another server."""
    return dataclasses.replace(member, guild_id=guild_id, channel_id=990)


async def queued_clip(studio: Studio, author: Member) -> tuple[Clip, job_store.RenderJob]:
    clip = await ready_clip(studio, author, status="queued")

    def write(db):
        return job_store.enqueue_clip_job(db, clip.id, user_id=author.id, guild_id=author.guild_id, model="tiny",
                                          cost_estimate=1.0)

    return clip, await studio.adb.write(write)


async def test_another_servers_admin_can_neither_cancel_nor_delete(studio):
    clip, job = await queued_clip(studio, BOB)
    for attempt in (studio.cancel(B_ADMIN, job.id), studio.delete_clip(B_ADMIN, clip.id),
                    studio.visible_clip(B_ADMIN, clip.id), recipe_card(studio, B_ADMIN, clip.id),
                    resolve_clip(studio, f"#{clip.id}", B_ADMIN), lineage(studio, B_ADMIN, clip.id)):
        with pytest.raises(NotFound) as info:
            await attempt
        assert info.value.code == "not_found"
    # The same answer as for ids that don't exist, so nothing leaks about other servers' work.
    with pytest.raises(NotFound):
        await studio.cancel(B_ADMIN, 10_000)
    assert (await studio.job_view(job.id)).job.status == "queued"
    # In its own server the job's owner (or an admin) can.
    with pytest.raises(NotAllowed):
        await studio.cancel(CAROL, job.id)
    assert (await studio.cancel(ALICE, job.id)).status == "cancelled"


async def test_lineage_shows_other_servers_remixes_only_as_a_count(studio):
    root = await ready_clip(studio, ALICE, title="Cats at sea")
    here = await ready_clip(studio, BOB, parent=root)
    # Alice remixes her own clip while in another server; someone there remixes that remix.
    there = (await remix(studio, elsewhere(ALICE), root.id, RemixChange("style", "secret noir plan"))).clip
    await ready_clip(studio, B_MEMBER, parent=await studio.clip(there.id), title="secret title")
    text = lineage_text(await lineage(studio, CAROL, here.id))
    assert text == (
        f"#{root.id} alice — original: Cats at sea\n"
        f"└─ #{here.id} bob — tweak  ◀ this clip\n"
        "+ 2 remixes in other servers"
    )
    # Seen from the other server, server A's original is a placeholder and bob's remix a count.
    far = lineage_text(await lineage(studio, B_MEMBER, there.id))
    assert far.splitlines()[0] == f"#{root.id} [another server]" and "bob" not in far and "Cats" not in far
    assert far.endswith("+ 1 remix in other servers")


async def test_a_clip_from_another_server_cannot_enter_a_challenge(studio):
    service = ChallengeService(studio)
    challenge = (await service.start(ALICE, "Cats at sea", "48h", now=T0)).challenge
    mine_elsewhere = await ready_clip(studio, elsewhere(BOB))
    with pytest.raises(NotFound):
        await service.submit(BOB, mine_elsewhere.id, challenge.id, now=T0 + 1)
    entered = await service.submit(BOB, (await ready_clip(studio, BOB)).id, challenge.id, now=T0 + 1)
    assert entered.entry.user_id == BOB.id


async def test_opting_out_protects_every_author_in_the_chain(studio):
    root = await ready_clip(studio, ALICE)
    middle = await ready_clip(studio, BOB, parent=root)
    tip = await ready_clip(studio, CAROL, parent=middle)
    await set_opt_out(studio, BOB, True)
    with pytest.raises(RemixError) as info:
        await remix(studio, DAVE, tip.id, RemixChange("reroll"))
    assert "bob has opted out" in info.value.user_message
    # Bob himself may still remix the chain.
    assert (await remix(studio, BOB, tip.id, RemixChange("reroll"))).clip.parent_id == tip.id


async def test_deleting_a_queued_or_rendering_clip_cancels_its_job_for_good(studio):
    rendering, rendering_job = await queued_clip(studio, BOB)
    queued, queued_job = await queued_clip(studio, CAROL)
    claimed = await studio.adb.write(job_store.claim_next, "w1", loaded_model=None)
    assert claimed.id == rendering_job.id and (await studio.clip(rendering.id)).status == "rendering"

    await studio.delete_clip(BOB, rendering.id)
    await studio.delete_clip(ALICE, queued.id)  # an admin
    for job in (queued_job, rendering_job):
        assert (await studio.adb.read(job_store.get_job, job.id)).status == "cancelled"
    assert await studio.active_jobs() == []  # nothing counts against queue limits
    # The worker finishing its render afterwards changes nothing: the job is no longer its own.
    done = await studio.adb.write(job_store.complete_job, claimed.id, worker_id="w1", video_path="x.mp4",
                                  storyboard_path="x.png")
    assert done is False
    for clip in (queued, rendering):
        with pytest.raises(NotFound):
            await studio.clip(clip.id)
    # Deleting again is NotFound, not a crash.
    with pytest.raises(NotFound):
        await studio.delete_clip(BOB, rendering.id)
