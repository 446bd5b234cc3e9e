"""Three members and a moderator through create -> remix -> takes -> pick -> finalize -> challenge -> relay ->
forget on the loopback Discord (tests/journey.py), judged as they would judge it: one lasting public bot
message per request (the post itself), no edit without a visible change, no failure said twice, every
component on every post usable, every posted image a real picture, and after the forget nothing of the
forgotten member left in view, the results and the relay as the gallery shows them; the transcript of what
they saw is written beside the test's files (REELBOT_TRANSCRIPT names a file to keep it)."""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp.test_utils import TestClient, TestServer

from bot.gallery.app import create_app
from bot.gallery.links import GalleryLinks
from bot_harness import World
from journey import Journey, degenerate, describe, images_of, run_journey

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
    if os.environ.get("REELBOT_TRANSCRIPT"):  # kept, with every image the channel showed beside it
        kept = Path(os.environ["REELBOT_TRANSCRIPT"])
        kept.write_text(transcript)
        for index, (name, image) in enumerate(journey.images):
            image.save(kept.with_name(f"{kept.stem}-{index:02d}-{name}"))
    assert len(journey.requests) >= 10
    crowded = {clip_id: [m.content[:60] for m in messages] for clip_id, messages in journey.lasting.items()
               if len(messages) > 1}
    assert not crowded, crowded
    assert journey.lasting_messages_per_request <= 1.0
    assert journey.noop_edits == 0, [edit for edit in journey.edits if edit[1] == "nothing"]
    assert all(count <= 1 for count in journey.failures_said.values()), journey.failures_said
    assert journey.images and not [name for name, image in journey.images if degenerate(image)]
    assert "position 0" not in transcript and "Try again, maybe with a simpler request" not in transcript
    # Every component any post offered was used, and none led to a refusal or an apology.
    assert not journey.unclicked, sorted(journey.unclicked)
    assert not journey.dead_ends, journey.dead_ends
    assert journey.clicked >= {
        ("storyboard", "Change a shot…"), ("storyboard", "Pick takes…"), ("storyboard", "Animate"),
        ("storyboard", "Cancel"), ("status message", "Cancel"), ("clip post", "Remix"), ("clip post", "Re-roll"),
        ("clip post", "Restyle"), ("clip post", "Extend"), ("clip post", "Details"), ("clip post", "Delete"),
        ("clip post", "Finalize"), ("clip post", "Enter challenge"), ("challenge announcement", "Submit"),
        ("challenge announcement", "Vote"), ("challenge announcement", "Entries"), ("relay announcement", "Add a shot"),
        ("relay announcement", "Film so far"), ("message", "Forget")}
    assert "🚫 Clip #" in transcript and "was deleted by alice" in transcript
    # A remix has a title of its own: the results tell the entries apart.
    assert "#2 Lighthouse Keeper's Cat · noir" in transcript
    # Own work is credited as such, not as "remix of carol's clip, original by carol".
    assert "final of your clip #" in transcript and "remix of carol's" not in transcript
    # Details is short: the frames a shot really has, at their rate.
    assert re.search(r"\*\*Shot 1\*\* · seed \d+ · \d+ steps? · 8 frames at 8 fps \(1\.0 s\)", transcript)

    # The author heard of bob's remix once, privately, until she turned the notes off; bob's forget took it down.
    notes = [m for m in fake.messages if m.channel_id != world.general.id and "remixed your clip" in m.content]
    assert [(m.content.split(":")[0], m.deleted) for m in notes] == [
        ("🔁 **bob** remixed your clip #1 “Lighthouse Keeper's Cat”", True),
        ("🔁 **carol** remixed your clip #2 “Lighthouse Keeper's Cat · noir”", True)]
    assert journey.direct["alice"] == [] and journey.direct["bob"] == []
    await forgotten_is_gone_from_view(world, journey)


async def forgotten_is_gone_from_view(world: World, journey: Journey) -> None:
    """After bob's /forget: nothing in the channel names, mentions or quotes him; others' posts credit a deleted
    member; the results and the relay read as the gallery shows them."""
    left = journey.after_forget
    seen = "\n".join(describe(message) for message in left)
    assert "bob" not in seen and f"<@{world.bob.id}>" not in seen and "an owl watches" not in seen, seen
    assert "remix of a deleted member's clip #2 (deleted), original by alice (#1)" in seen
    [results] = [m for m in left if "is over" in m.content]
    assert "✏️ Updated: a member's entries and votes were removed at their request." in results.content
    [final_cut] = [m for m in left if "final cut" in m.content]
    assert re.search(r"\*\*2\.\*\* a deleted member$", final_cut.content, re.M), final_cut.content
    assert [a.filename for a in final_cut.attachments] == ["relay-2.mp4"]
    assert not [name for name, image in images_of(left) if degenerate(image)]

    links = GalleryLinks.of(world.config)
    async with TestClient(TestServer(create_app(world.studio, links.signer))) as client:
        async def page(url: str) -> str:
            response = await client.get(f"{urlsplit(url).path}?{urlsplit(url).query}")
            assert response.status == 200, url
            return await response.text()

        # The challenge page ranks the entries with the votes Discord now shows.
        gallery = await page(re.search(r"\(([^)]*/challenge/1\?[^)]*)\)", describe(results))[1])
        shown = re.findall(r"\[#(\d+) [^\]]*\]\([^)]*\) by \w+ · (\d+) votes?", results.embeds[0]["description"])
        listed = re.findall(r'href="/g/\d+/clip/(\d+)\?[^"]*">.*?<span class="votes">(\d+) votes?</span>', gallery,
                            re.S)
        assert shown and shown == listed, (shown, listed)
        # The relay page keeps bob's shot in the film, anonymised: no "(missing) by member 0".
        relay = await page(re.search(r"<([^>]*/challenge/2\?[^>]*)>", final_cut.content)[1])
        assert "a deleted member" in relay and "member 0" not in relay and "missing" not in relay
        assert "an owl watches" not in relay and 'id="film"' in relay
