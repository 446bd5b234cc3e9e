"""Delivery under load: 200 clips queued in one channel finish in a stream. Every clip is posted once,
status edits stay within the channel's budget (the fake answers 429 past it), and queued messages are
edited far less often than once per change of place. Completion is faked (tiny files, jobs marked done
in the database), delivery is the real code."""
from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from bot.origin import TRANSPORT
from bot.ratelimit import ChannelBudget
from bot_harness import World
from challenge_fixtures import shot_list
from storage_fixtures import tiny_recipe
from generation.encoding import encode_mp4
from generation.storyboard import make_storyboard
from renderqueue.jobs import claim_next, complete_job, enqueue_clip_job
from storage.clips import create_clip

CLIPS = 200
# Discord's 5 writes per window, on a clock 50x faster than Discord's 5 s. The bot keeps one write of
# headroom: on so short a window, a request's few milliseconds on the way count.
WRITES, WINDOW_S = 5, 0.1


async def test_two_hundred_clips_in_one_channel_are_all_posted_without_a_429_storm(world: World, tmp_path: Path):
    fake, channel = world.fake, world.general
    fake.budget.limit, fake.budget.window_s = WRITES, WINDOW_S
    video = encode_mp4(np.zeros((2, 16, 16, 3), np.uint8), 8, tmp_path / "tiny.mp4")
    board = make_storyboard([np.zeros((16, 16, 3), np.uint8)], ["a shot"], tmp_path / "board.png")
    statuses = [fake.state.create_message(channel, fake.bot_user, {"content": "⏳ queued"}) for _ in range(CLIPS)]

    def queue_all(db) -> list[int]:
        ids = []
        for status in statuses:
            origin = {"transport": TRANSPORT, "guild_id": world.guild.id, "channel_id": channel.id,
                      "requester_id": world.alice.id, "upload_limit": 10 << 20, "status_message_id": status.id}
            clip = create_clip(db, guild_id=world.guild.id, channel_id=channel.id, author_id=world.alice.id,
                               author_name="alice", request="a cat", shot_list=shot_list("Cat", 1), recipes=[tiny_recipe()],
                               model="tiny", captions=["a cat sails"], origin=origin, transport=TRANSPORT)
            ids.append(enqueue_clip_job(db, clip.id, user_id=world.alice.id, guild_id=world.guild.id,
                                        model="tiny", cost_estimate=10.0).id)
        return ids

    def finish_some(db, count: int) -> None:
        for _ in range(count):
            job = claim_next(db, "fake-worker", loaded_model="tiny")
            if job is not None:
                complete_job(db, job.id, worker_id="fake-worker", video_path=str(video), storyboard_path=str(board))

    await world.studio.adb.write(queue_all)
    bot = world.bot(channel_budget=ChannelBudget(WRITES - 1, WINDOW_S))
    async with fake.running(bot):
        for _ in range(CLIPS // 10):  # a stream of finishes, each moving every queued clip up
            await world.studio.adb.write(finish_some, 10)
            await asyncio.sleep(0.05)
        await fake.wait_until(
            lambda: sum(1 for m in fake.channel_messages(channel) if m.attachments) == CLIPS,
            timeout=120, what="every clip to be posted")
        await world.delivered(timeout=60)
        # Each post replaces its status message (deleted once its delivery is recorded): one message a clip.
        await fake.wait_until(lambda: all(status.deleted for status in statuses), timeout=60,
                              what="every status message to give way to its clip")

    posted = [m for m in fake.channel_messages(channel) if m.attachments]
    assert sorted(m.attachments[0].filename for m in posted) == sorted(f"clip-{i}.mp4" for i in range(1, CLIPS + 1))
    assert len(fake.rate_limited()) <= 2, f"{len(fake.rate_limited())} requests were rate limited"
    edits = [r for r in fake.requests_matching("PATCH", f"/channels/{channel.id}/messages/") if r.status == 200]
    # Progress edits only: far fewer than one per clip per finish ahead of it.
    assert len(edits) < 3 * CLIPS, len(edits)
