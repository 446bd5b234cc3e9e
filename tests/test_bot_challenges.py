"""Challenges through Discord: the announcement's buttons and menus, entries, votes, a restart before the
deadline, results with the leaderboard and credits, a relay film of four members, and profiles."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

from PIL import Image

from bot.app import ReelBot
from bot.cogs.challenges import ChallengeCog
from bot_harness import World, embed_text, eventually
from challenge_fixtures import ready_clip
from discord_fake import FakeDiscord, FakeMember, FakeMessage
from generation.encoding import probe
from storage.settings import set_setting
from studio.runtime import open_studio
from studio.members import Member

HOUR = 3600.0


def cog(bot: ReelBot) -> ChallengeCog:
    # load_extension executes the cog's module afresh: the class is not this module's ChallengeCog.
    found = bot.get_cog("Challenges")
    assert found is not None
    return cast(ChallengeCog, found)


def fire_deadlines(bot: ReelBot, *, hours_ahead: float) -> None:
    """Move the bot's deadline clock ahead and wake its DeadlineLoop (durations are at least 5 minutes)."""
    loop = cog(bot).deadlines
    loop.clock = lambda: time.time() + hours_ahead * HOUR
    loop.service.scheduled.set()


def core_member(world: World, member: FakeMember) -> Member:
    return Member(member.id, member.name, world.guild.id, world.general.id)


def option_values(message: FakeMessage, custom_id: str) -> list[int]:
    return [int(option["value"]) for option in message.component(custom_id)["options"]]


def with_attachment(prefix: str) -> Callable[[FakeMessage], bool]:
    return lambda m: any(a.filename.startswith(prefix) for a in m.attachments)


def downloaded(message: FakeMessage, filename: str, tmp_path: Path) -> Path:
    path = tmp_path / f"{message.id}-{filename}"
    path.write_bytes(message.attachment(filename).data)
    return path


async def post(world: World, predicate: Callable[[FakeMessage], bool], timeout: float | None = None) -> FakeMessage:
    """The next public message of the bot in #general that matches."""
    return await world.fake.wait_for_message(channel=world.general, ephemeral=False, predicate=predicate,
                                             timeout=timeout)


def message_link(message: FakeMessage) -> str:
    return f"https://discord.com/channels/{message.guild_id}/{message.channel_id}/{message.id}"


async def answer(fake: FakeDiscord, member: FakeMember, command: str, options: dict | None = None) -> FakeMessage:
    return await (await fake.slash(member, command, options)).wait_message()


async def test_a_vote_challenge_from_announcement_to_results_across_a_restart(world: World, tmp_path: Path) -> None:
    fake = world.fake
    alice, bob, boss = world.alice, world.bob, world.admin
    carol = fake.add_member(world.guild, 1004, "carol")
    # Finished clips without rendering; real (tiny, solid-colour) videos give the leaderboard its thumbnails.
    first_cat = await ready_clip(world.studio, core_member(world, carol), title="The first cat")
    boss_remix = await ready_clip(world.studio, core_member(world, boss), parent=first_cat, title="Cat, remixed")
    bobs = await ready_clip(world.studio, core_member(world, bob), parent=boss_remix, title="Bob's boat",
                           colour=(230, 20, 20))
    alice_first = await ready_clip(world.studio, core_member(world, alice), title="Alice's ark", colour=(20, 20, 230))
    alice_second = await ready_clip(world.studio, core_member(world, alice), title="Alice's armada")
    carols_long = await ready_clip(world.studio, core_member(world, carol), shots=3, title="Carol's saga")
    carols = await ready_clip(world.studio, core_member(world, carol), title="Carol's cove")

    async with fake.running(world.bot()) as bot:
        refused = await answer(fake, bob, "challenge start", {"theme": "Cats at sea", "duration": "2h"})
        assert refused.ephemeral and refused.content == "Only server admins and moderators can start challenges."
        assert fake.channel_messages(world.general) == [], "a refusal leaves nothing in the channel"
        started = await answer(fake, boss, "challenge start", {"theme": "Cats at sea", "duration": "2h",
                                                              "max_shots": 2})
        announcement = await post(world, lambda m: bool(m.embeds))
        assert started.ephemeral and started.content == f"✅ Challenge #1 has started: {message_link(announcement)}"
        assert not announcement.ephemeral and "Cats at sea" in announcement.content
        assert announcement.custom_ids() == [f"reelbot:challenge:{a}:1" for a in ("submit", "vote", "entries")]
        assert "at most 2 shots" in embed_text(announcement) and f"<@{boss.id}>" in embed_text(announcement)
        await eventually(lambda: cog(bot).service.show(core_member(world, boss), 1),
                         lambda view: view.challenge.announcement_message_id == announcement.id)

        # Entering: Submit on the announcement opens a menu of your finished clips.
        menu = await (await fake.click(announcement, "reelbot:challenge:submit:1", alice)).wait_message()
        assert menu.ephemeral and set(option_values(menu, "reelbot:challenge-entry:1")) == {
            alice_first.id, alice_second.id}
        entered = await (await fake.click(menu, "reelbot:challenge-entry:1", alice, values=[alice_first.id])
                         ).wait_message()
        assert entered.ephemeral and entered.content.startswith(f"✅ Clip #{alice_first.id} is your entry")
        replaced = await answer(fake, alice, "challenge submit", {"clip": f"#{alice_second.id}"})
        assert f"it replaced clip #{alice_first.id}" in replaced.content
        # ... the 🏆 button under any clip (here: /clip's copy of Bob's), and /challenge submit.
        shown_clip = await answer(fake, bob, "clip", {"id": bobs.id})
        by_button = await (await fake.click(shown_clip, f"reelbot:clip:submit:{bobs.id}", bob)).wait_message(
            lambda m: "entry" in m.content)
        assert by_button.ephemeral and f"Clip #{bobs.id} is your entry in challenge #1" in by_button.content
        too_long = await answer(fake, carol, "challenge submit", {"clip": str(carols_long.id), "challenge": 1})
        assert too_long.ephemeral and "allows at most 2 shot(s)" in too_long.content
        assert "is your entry" in (await answer(fake, carol, "challenge submit", {"clip": str(carols.id)})).content
        not_hers = await answer(fake, carol, "challenge submit", {"clip": str(bobs.id)})
        assert not_hers.ephemeral and "isn't yours" in not_hers.content

        # Voting: the ballot lists everyone else's entries.
        ballot = await (await fake.click(announcement, "reelbot:challenge:vote:1", bob)).wait_message()
        assert ballot.ephemeral and set(option_values(ballot, "reelbot:ballot:1:0")) == {alice_second.id, carols.id}
        # A forged (or stale) menu can't get a vote for your own entry past the core.
        own = await (await fake.click(ballot, "reelbot:ballot:1:0", bob, values=[bobs.id])).wait_message()
        assert own.ephemeral and own.content == "You can't vote for your own entry; pick someone else's favourite."
        await (await fake.click(ballot, "reelbot:ballot:1:0", bob, values=[alice_second.id])).wait_message()

        async def vote(member: FakeMember, clip_id: int) -> str:
            ballot = await (await fake.click(announcement, "reelbot:challenge:vote:1", member)).wait_message()
            return (await (await fake.click(ballot, "reelbot:ballot:1:0", member, values=[clip_id])).wait_message()
                    ).content

        assert (await vote(carol, alice_second.id)).startswith(f"🗳️ Your vote for clip #{alice_second.id}")
        assert f"moved from clip #{alice_second.id} to clip #{bobs.id}" in await vote(carol, bobs.id)
        await vote(alice, bobs.id)
        assert "already on clip" in await vote(alice, bobs.id)  # a double vote still counts once

        entries = await (await fake.click(announcement, "reelbot:challenge:entries:1", boss)).wait_message()
        assert "Bob's boat" in embed_text(entries) and "Alice's armada" in embed_text(entries)
        assert "Alice's ark" not in embed_text(entries) and "vote" not in embed_text(entries).lower()

    # A restart between start and deadline: a new process (own database connection), the same database.
    second_process = open_studio(world.config)
    try:
        async with fake.running(world.bot(second_process)) as bot:
            # The old announcement's buttons still work, and remember Carol's vote.
            ballot = await (await fake.click(announcement, "reelbot:challenge:vote:1", carol)).wait_message()
            defaults = [o["value"] for o in ballot.component("reelbot:ballot:1:0")["options"] if o.get("default")]
            assert defaults == [str(bobs.id)]

            fire_deadlines(bot, hours_ahead=3)
            results = await post(world, with_attachment("leaderboard"))
            assert results.content.startswith("🏁 **Challenge #1 “Cats at sea” is over!**")
            assert f"🥇 <@{bob.id}> wins with clip #{bobs.id}" in results.content
            # Every remix ancestor of the winner is credited, with its author mentioned (and notified).
            chain = f"#{boss_remix.id} by <@{boss.id}>, then #{first_cat.id} by <@{carol.id}>"
            credits = f"🔁 #{bobs.id} builds on {chain}"
            assert results.content.endswith(credits)
            [sent] = [r for r in fake.requests_matching("POST", rf"/channels/{world.general.id}/messages$")
                      if "leaderboard" in str(r.files)]
            notified = {int(user) for user in sent.json["allowed_mentions"]["users"]}
            assert notified == {m.id for m in (bob, alice, boss, carol)}
            ranking = embed_text(results)
            assert ranking.index("Bob's boat") < ranking.index("Alice's armada") < ranking.index("Carol's cove")
            assert "2 votes" in ranking and "1 vote" in ranking and "3 entries · 3 votes" in ranking
            board = Image.open(downloaded(results, "leaderboard-1.png", tmp_path))
            assert board.width == 880 and results.embeds[0]["image"]["url"] == "attachment://leaderboard-1.png"

            await fake.wait_until(lambda: announcement.components == [], what="the announcement's buttons to go")
            assert announcement.content == f"🏁 This has ended. Results: {message_link(results)}"
            # Exactly once: the deadline is spent, and nothing else was posted.
            assert await cog(bot).service.run_due_events(time.time() + 4 * HOUR) == []
            assert len([m for m in fake.channel_messages(world.general) if with_attachment("leaderboard")(m)]) == 1

            late = await answer(fake, alice, "challenge submit", {"clip": str(alice_first.id), "challenge": 1})
            assert late.ephemeral and late.content == "Challenge #1 has ended, so entries are closed."
            profile = await answer(fake, alice, "profile", {"member": bob})
            assert profile.ephemeral and "Challenge wins: 1" in embed_text(profile)
            assert "Challenge entries: 1" in embed_text(profile) and "bob on Reelbot" in embed_text(profile)
            shown = await answer(fake, carol, "challenge show", {"id": 1})
            assert "Ended" in embed_text(shown) and "Results: 🥇" in embed_text(shown)
    finally:
        await second_process.aclose()
    assert fake.client_errors == []


async def test_a_relay_of_four_members_grows_into_a_final_cut(
    world: World, worker, tmp_path: Path  # noqa: ANN001
) -> None:
    fake = world.fake
    alice, bob = world.alice, world.bob
    # Not an admin: a role the server named as moderators may run challenges too.
    mods = fake.add_role(world.guild, "mods")
    await world.studio.adb.write(set_setting, world.guild.id, "moderator_roles", str(mods.id))
    carol = fake.add_member(world.guild, 1004, "carol", roles=[mods])
    dave = fake.add_member(world.guild, 1005, "dave")
    turns = [
        (alice, "the keeper climbs the spiral stairs with a lantern"),
        (bob, "a ship appears through the rain"),
        (carol, "the lamp sweeps across the waves"),
        (dave, "the ship reaches the harbour at dawn"),
    ]

    async with fake.running(world.bot()) as bot:
        await answer(fake, carol, "challenge start", {"theme": "a lighthouse keeper on a stormy night",
                                                     "duration": "1h", "kind": "relay", "shot_seconds": 1})
        announcement = await post(world, lambda m: bool(m.embeds))
        assert announcement.content.startswith("📣 **New relay!**") and "Shared style" in embed_text(announcement)
        assert announcement.custom_ids() == ["reelbot:relay:add:1", "reelbot:relay:film:1"]

        # Alice by the button and its modal; the others with /relay add. Nobody adds two shots in a row.
        opener = await fake.click(announcement, "reelbot:relay:add:1", alice)
        assert (await opener.wait_modal())["title"] == "Shot 1 of relay #1"
        status = await (await fake.submit_modal(opener, {"text": turns[0][1]})).wait_message(lambda m: bool(m.embeds))
        assert not status.ephemeral and "shot 1" in embed_text(status)
        again = await answer(fake, alice, "relay add", {"text": "the keeper falls asleep"})
        assert again.ephemeral and again.content == "You added the last shot; let someone else take the next turn."
        for member, text in turns[1:]:
            queued = await (await fake.slash(member, "relay add", {"text": text})).wait_message(
                lambda m: bool(m.embeds))
            assert text in embed_text(queued)

        shots = [await post(world, with_attachment("clip-"), timeout=60) for _ in turns]
        assert sorted(m.attachments[0].filename for m in shots) == [f"clip-{n}.mp4" for n in range(1, 5)]
        await world.delivered()
        # As shots land the film grows, and is posted with them (names only: nobody is pinged every turn).
        film = await post(world, with_attachment("relay-1-4"))
        assert "the film so far: 4 shots by alice, bob, carol, dave" in film.content and not film.mentions
        clips = [await world.studio.clip(n) for n in range(1, 5)]
        frames = sum(probe(Path(clip.video_path)).frame_count for clip in clips)
        assert probe(downloaded(film, "relay-1-4.mp4", tmp_path)).frame_count == frames
        so_far = await (await fake.click(announcement, "reelbot:relay:film:1", dave)).wait_message()
        assert so_far.ephemeral and so_far.attachments[0].filename == "relay-1.mp4"

        fire_deadlines(bot, hours_ahead=2)
        final = await post(world, lambda m: "the final cut" in m.content, timeout=30)
        assert final.content.startswith("🎬 **Relay #1 “a lighthouse keeper on a stormy night”: the final cut!**")
        credits = [f"**{n}.** <@{member.id}>: {text}" for n, (member, text) in enumerate(turns, 1)]
        assert final.content.split("\n")[1:5] == credits, "each contributor, in story order"
        assert [user.id for user in final.mentions] == [member.id for member, _ in turns]
        # The four-shot film went up once: the final cut, being that very film, links to it rather than
        # uploading it again.
        cut = film.attachment("relay-1-4.mp4").data
        copies = [m for m in fake.channel_messages(world.general) if any(a.data == cut for a in m.attachments)]
        assert copies == [film] and "the film posted above" in final.content, [m.content[:80] for m in copies]
        await fake.wait_until(lambda: announcement.components == [], what="the relay's buttons to go")

        closed = await answer(fake, bob, "relay add", {"text": "one more shot", "relay": 1})
        assert closed.ephemeral and closed.content == "Relay #1 has ended, so new shots are closed."
        profile = await answer(fake, bob, "profile")
        assert "Relay shots: 1" in embed_text(profile) and "Clips: 1" in embed_text(profile)
    assert fake.client_errors == []


async def test_a_full_relay_posts_its_final_cut_as_soon_as_the_last_shot_is_in(
    world: World, worker, tmp_path: Path  # noqa: ANN001
) -> None:
    fake = world.fake
    async with fake.running(world.bot()):
        await answer(fake, world.admin, "challenge start", {"theme": "a fox in the snow", "duration": "1h",
                                                           "kind": "relay", "shot_seconds": 1, "max_turns": 2})
        announcement = await post(world, lambda m: bool(m.embeds))
        for member, text in ((world.alice, "the fox digs for mice"), (world.bob, "an owl watches from a pine")):
            await (await fake.slash(member, "relay add", {"text": text})).wait_message(lambda m: bool(m.embeds),
                                                                                         timeout=30)
        # No deadline fired: the second and last shot ends the relay.
        final = await post(world, with_attachment("relay-1.mp4"), timeout=60)
        assert "the final cut!" in final.content and "<@1001>: the fox digs for mice" in final.content
        cut = probe(downloaded(final, "relay-1.mp4", tmp_path))
        clips = [await world.studio.clip(n) for n in (1, 2)]
        assert cut.frame_count == sum(probe(Path(clip.video_path)).frame_count for clip in clips)
        await fake.wait_until(lambda: announcement.components == [], what="the relay's buttons to go")
        await world.delivered()
        # The film of both shots went out once, as the final cut: no "film so far" of the same two shots.
        films = [m for m in fake.messages if m.channel_id == world.general.id
                 and any(a.filename.startswith("relay-") for a in m.attachments)]
        assert films == [final]
        assert (await world.studio.adb.read(lambda db: db.execute(
            "SELECT status FROM challenges WHERE id = 1").fetchone()[0])) == "closed"


async def test_several_challenges_at_once_and_closing_one_early(world: World, tmp_path: Path) -> None:
    fake = world.fake
    alice, bob, boss = world.alice, world.bob, world.admin
    bobs = await ready_clip(world.studio, core_member(world, bob), title="Bob's boat", colour=(20, 200, 20))

    async with fake.running(world.bot()):
        for theme in ("Cats at sea", "Dogs in space"):
            await answer(fake, boss, "challenge start", {"theme": theme, "duration": "1d"})
        cats, dogs = await post(world, lambda m: bool(m.embeds)), await post(world, lambda m: bool(m.embeds))

        # With two running, the 🏆 button asks which one; a bare /challenge submit asks to say which.
        shown_clip = await answer(fake, bob, "clip", {"id": bobs.id})
        which = await (await fake.click(shown_clip, f"reelbot:clip:submit:{bobs.id}", bob)).wait_message()
        assert which.ephemeral and option_values(which, f"reelbot:clip-entry:{bobs.id}") == [2, 1]
        entered = await (await fake.click(which, f"reelbot:clip-entry:{bobs.id}", bob, values=[2])).wait_message()
        assert f"Clip #{bobs.id} is your entry in challenge #2" in entered.content
        unclear = await answer(fake, bob, "challenge submit", {"clip": str(bobs.id)})
        assert unclear.ephemeral and unclear.content == "Several challenges are open (#2, #1); say which one."
        listing = await answer(fake, alice, "challenge list")
        assert listing.ephemeral and "Dogs in space · 1 entry · open" in listing.content
        assert "Cats at sea · 0 entries · open" in listing.content
        nothing = await (await fake.click(cats, "reelbot:challenge:vote:1", alice)).wait_message()
        assert nothing.ephemeral and "nothing to vote for yet" in nothing.content
        still_running = await answer(fake, alice, "challenge results", {"id": 2})
        assert still_running.content == "Challenge #2 is still running; results come at the deadline."

        refused = await answer(fake, bob, "challenge close", {"id": 2})
        assert refused.ephemeral and refused.content == "Only server admins and moderators can end a challenge early."
        closed = await answer(fake, boss, "challenge close", {"id": 2})
        assert closed.ephemeral and closed.content == "🏁 Challenge #2 is closed; the results are posted."
        results = await post(world, lambda m: m.content.startswith("🏁 **Challenge #2"))
        assert "No votes were cast, so there is no winner this time." in results.content
        assert [a.filename for a in results.attachments] == ["leaderboard-2.png"]
        await fake.wait_until(lambda: dogs.components == [], what="the closed challenge's buttons to go")
        assert cats.custom_ids() == [f"reelbot:challenge:{a}:1" for a in ("submit", "vote", "entries")]

        again = await answer(fake, alice, "challenge results", {"id": 2})
        assert again.ephemeral and again.attachment("leaderboard-2.png").data.startswith(b"\x89PNG")
        entry = await answer(fake, bob, "challenge submit", {"clip": str(bobs.id)})  # one open challenge left
        assert "is your entry in challenge #1" in entry.content
    assert fake.client_errors == []
