"""Three members and a moderator through create -> remix -> takes -> pick -> finalize -> challenge -> relay ->
forget on the loopback Discord (tests/journey.py), judged as they would judge it: one lasting public bot
message per request (the post itself), no edit without a visible change, no failure said twice, every
posted image a real picture; the transcript of what they saw is written beside the test's files
(REELBOT_TRANSCRIPT names a file to keep it)."""
from __future__ import annotations

import os
from pathlib import Path

from bot_harness import World
from journey import Journey, degenerate, run_journey

__all__: list[str] = []


async def test_a_community_journey_leaves_one_message_per_request(world: World, worker, tmp_path: Path) -> None:  # noqa: ANN001
    fake = world.fake
    members = {"alice": world.alice, "bob": world.bob, "carol": fake.add_member(world.guild, 1004, "carol"),
               "mod": world.admin}
    journey = Journey()
    async with fake.running(world.bot()):
        await run_journey(fake, world.guild, world.studio, members, journey)

    transcript = "\n".join(journey.transcript)
    (tmp_path / "journey.md").write_text(transcript)
    if os.environ.get("REELBOT_TRANSCRIPT"):
        Path(os.environ["REELBOT_TRANSCRIPT"]).write_text(transcript)
    assert len(journey.requests) >= 7
    crowded = {clip_id: [m.content[:60] for m in messages] for clip_id, messages in journey.lasting.items()
               if len(messages) > 1}
    assert not crowded, crowded
    assert journey.lasting_messages_per_request <= 1.0
    assert journey.noop_edits == 0, [edit for edit in journey.edits if edit[1] == "nothing"]
    assert all(count <= 1 for count in journey.failures_said.values()), journey.failures_said
    assert journey.images and not [name for name, image in journey.images if degenerate(image)]
    assert "position 0" not in transcript and "Try again, maybe with a simpler request" not in transcript
    # A remix has a title of its own: the results tell the entries apart.
    assert "#2 Lighthouse Keeper's Cat · noir" in transcript
    # Own work is credited as such, not as "remix of carol's clip, original by carol".
    assert "picked from your takes #3" in transcript and "final of your clip #4" in transcript
