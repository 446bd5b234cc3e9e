"""The cast in the core: characters as records, names in any script, consent, waiting requests, remixes,
deletion and forgetting (no renders: clips stay queued)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from cast_fixtures import ALICE, AWAY, BOB, CAROL, HOME, LEO, MIRA, MOD, member, mira, pictures, portrait, roomy
from common.errors import Conflict, NotAllowed, NotFound
from generation.registry import PRESETS
from storage.cast import find_character
from storage.cast_uses import approvals_for, clip_cast
from storage.requests import get_request
from studio.cast import approvals
from studio.cast.desk import CastDesk
from studio.cast.intake import AwaitingApproval
from studio.cast.rules import CastError
from studio.pictures import PictureError, read_picture
from studio.remix import RemixChange, recipe_card, remix
from studio.requests import VideoOptions
from studio.service import Studio

TWO = VideoOptions(shots=2, duration=2, draft=True)


@pytest.fixture
async def studio(studio):
    await roomy(studio)
    return studio


async def requests(studio: Studio) -> list[tuple[str, str]]:
    return await studio.adb.read(lambda db: [(r["kind"], r["status"]) for r in db.query("SELECT * FROM requests")])


async def test_a_character_is_a_record_of_its_owner_and_server_with_unique_names(studio):
    desk = CastDesk(studio)
    made = await mira(studio)
    assert (made.guild_id, made.owner_id, made.name, made.aliases) == (HOME, BOB.id, "Mira", ("米拉", "ミラ"))
    assert [Path(p.path).name for p in made.pictures] == [f"{p.sha256}.png" for p in made.pictures]
    with pytest.raises(Conflict, match="already taken") as taken:
        await desk.create(ALICE, "MIRA", LEO, pictures(studio, (1, 2, 3)))
    assert taken.value.code == "cast_name_taken"
    with pytest.raises(Conflict, match=r"“ﾐﾗ” is already taken in this server \(by the character Mira\)"):
        await desk.create(ALICE, "Leo", LEO, pictures(studio, (1, 2, 3)), aliases=("ﾐﾗ",))  # half-width: NFKC
    elsewhere = await desk.create(member("alice", AWAY), "Mira", LEO, pictures(studio, (1, 2, 3)))
    assert elsewhere.guild_id == AWAY  # names are unique per server only
    here, mine_elsewhere = await desk.characters(ALICE)
    assert [c.name for c in here] == ["Mira"] and [c.id for c in mine_elsewhere] == [elsewhere.id]


@pytest.mark.parametrize("change, code", [
    ({"pictures": 0}, "cast_pictures"), ({"pictures": 4}, "cast_pictures"),
    ({"description": "x" * 201}, "cast_description"), ({"description": "  "}, "cast_description"),
    ({"name": "M" * 33}, "cast_name"), ({"name": "Mira, Leo"}, "cast_name"),
    ({"aliases": [f"a{i}" for i in range(9)]}, "cast_aliases"), ({"owner": member("alice", None)}, "cast_in_dm"),
])  # fmt: skip
async def test_bad_characters_are_refused_and_nothing_is_stored(studio, change, code):
    owner = change.get("owner", ALICE)
    shots = pictures(studio, *[(i * 20, 0, 0) for i in range(change.get("pictures", 1))])
    with pytest.raises(CastError) as refused:
        await CastDesk(studio).create(owner, change.get("name", "Leo"), change.get("description", LEO), shots,
                                      aliases=change.get("aliases", ()))  # fmt: skip
    assert refused.value.code == code
    assert await studio.adb.read(lambda db: db.execute("SELECT COUNT(*) FROM characters").fetchone()[0]) == 0


def test_a_picture_failing_intake_never_reaches_the_desk(studio):
    with pytest.raises(PictureError, match="PNG, JPEG or WebP"):
        read_picture(b"GIF89a not a picture we take", Path(studio.config.media_dir))
    big = read_picture(portrait((9, 9, 9), size=(40, 30), fmt="JPEG"), Path(studio.config.media_dir))
    assert big.source_format == "jpeg" and big.path.name == f"{big.sha256}.png"


async def test_mentions_in_any_script_put_the_description_verbatim_in_the_bible_and_every_featured_shot(studio):
    character = await mira(studio)
    for text in ("Mira dances in the rain, then she bows", "一个米拉在雪地里打滚，然后她笑了", "ミラが走る、それから跳ぶ"):
        accepted = await studio.create(ALICE, text, TWO)
        shot_list = accepted.shot_list
        assert MIRA in shot_list.bible.characters, text
        assert all(MIRA in shot.prompt for shot in shot_list.shots), text
        assert all(MIRA in recipe.prompt for recipe in Studio.recipes(accepted.clip)), text
        [credit] = await studio.adb.read(clip_cast, accepted.clip.id)
        assert (credit.character_id, credit.owner_id, credit.shots, credit.conditioned) == (character.id, BOB.id,
                                                                                            (0, 1), False)
        # tiny-wan can't take reference pictures: the member is told so, and nothing is attached.
        assert any("can't take reference pictures" in note.english() for note in shot_list.notes)
        assert all(recipe.references == () for recipe in Studio.recipes(accepted.clip))
    plain = await studio.create(ALICE, "Miranda walks her dog", TWO)  # a word boundary: not Mira
    assert await studio.adb.read(clip_cast, plain.clip.id) == []


async def test_a_shot_features_the_characters_it_names_and_a_shot_naming_none_the_whole_cast(studio):
    await mira(studio)
    await CastDesk(studio).create(CAROL, "Leo", LEO, pictures(studio, (90, 90, 90)))
    accepted = await studio.create(ALICE, "Mira and Leo at the beach, then Leo swims", TWO)
    first, second = accepted.shot_list.shots
    assert MIRA in first.prompt and LEO in first.prompt
    assert LEO in second.prompt and MIRA not in second.prompt
    credits = {c.name: c.shots for c in await studio.adb.read(clip_cast, accepted.clip.id)}
    assert credits == {"Mira": (0,), "Leo": (0, 1)}
    card = "\n".join(t.english() for t in await recipe_card(studio, ALICE, accepted.clip.id))
    assert "Mira by bob: shot 1, rendered from their description only" in card
    assert "Leo by carol: shots 1, 2" in card


async def test_the_cast_option_names_characters_explicitly_and_only_owners_cross_servers(studio):
    await mira(studio)
    explicit = await studio.create(ALICE, "a walk in the park", dataclasses.replace(TWO, cast="mira"))
    assert MIRA in explicit.shot_list.bible.characters
    with pytest.raises(NotFound, match="no character called “Nobody” here") as unknown:
        await studio.create(ALICE, "a walk", dataclasses.replace(TWO, cast="Nobody"))
    assert unknown.value.code == "cast_unknown"
    # In another server Mira is nobody to Alice, by name or by mention...
    alice_away = member("alice", AWAY)
    with pytest.raises(NotFound, match="only their owner can bring one"):
        await studio.create(alice_away, "a walk", dataclasses.replace(TWO, cast="Mira"))
    plain = await studio.create(alice_away, "Mira walks", TWO)
    assert await studio.adb.read(clip_cast, plain.clip.id) == []
    # ...but Bob brings her along.
    brought = await studio.create(member("bob", AWAY), "a walk in the park", dataclasses.replace(TWO, cast="Mira"))
    [credit] = await studio.adb.read(clip_cast, brought.clip.id)
    assert (credit.name, credit.home_guild_id, brought.clip.guild_id) == ("Mira", HOME, AWAY)
    # A remix of that clip by someone else there would carry Bob's character further: refused.
    with pytest.raises(NotAllowed, match="only bob can bring them here") as elsewhere:
        await remix(studio, member("carol", AWAY), brought.clip.id, RemixChange("reroll"))
    assert elsewhere.value.code == "cast_elsewhere"


async def test_fifty_characters_in_one_request_are_refused_before_anything_is_stored(studio):
    names = ", ".join(f"Hero{i}" for i in range(50))
    with pytest.raises(CastError, match="names 50 characters, but one clip can feature at most 3") as refused:
        await studio.create(ALICE, "a crowd", dataclasses.replace(TWO, cast=names))
    assert refused.value.code == "cast_too_many" and await requests(studio) == []


async def test_only_me_refuses_others_and_serves_the_owner(studio):
    await mira(studio, consent="owner")
    with pytest.raises(NotAllowed, match="keeps them for their own clips") as refused:
        await studio.create(ALICE, "Mira dances", TWO)
    assert refused.value.code == "cast_owner_only" and await requests(studio) == []
    own = await studio.create(BOB, "Mira dances", TWO)
    assert [c.name for c in await studio.adb.read(clip_cast, own.clip.id)] == ["Mira"]


async def test_ask_me_stores_the_request_waiting_and_the_owners_yes_queues_it(studio):
    character = await mira(studio, consent="ask")
    with pytest.raises(AwaitingApproval, match=r"request #1 is saved. Mira: their owner \(bob\) approves") as waits:
        await studio.create(ALICE, "Mira dances in the rain", TWO)
    assert waits.value.params["request_id"] == 1
    assert await requests(studio) == [("create", "waiting")] and await studio.active_jobs() == []
    [prompt] = await approvals.prompts_to_send(studio, "console")
    assert prompt.prompt().english().startswith("alice would like to use Mira in a clip (request #1)")
    await approvals.prompted(studio, prompt.approval.id)
    assert await approvals.prompts_to_send(studio, "console") == []  # one prompt, never two
    with pytest.raises(NotAllowed, match="Only bob can answer"):
        await approvals.decide(studio, CAROL, prompt.approval.id, True)
    decided = await approvals.decide(studio, BOB, prompt.approval.id, True)
    assert (decided.approval.status, decided.request.status) == ("approved", "received")
    accepted = await approvals.finish(studio, decided.request)
    assert accepted is not None and accepted.clip.author_id == ALICE.id
    [credit] = await studio.adb.read(clip_cast, accepted.clip.id)
    assert credit.character_id == character.id
    assert await approvals.refusals_to_tell(studio, "console") == []
    with pytest.raises(NotAllowed, match="already answered"):
        await approvals.decide(studio, BOB, prompt.approval.id, False)


async def test_ask_me_declined_or_timed_out_tells_the_requester_once(studio):
    await mira(studio, consent="ask")
    for text in ("Mira sings", "Mira jumps"):
        with pytest.raises(AwaitingApproval):
            await studio.create(ALICE, text, TWO)
    first, second = [w.approval for w in await approvals.prompts_to_send(studio, "console")]
    await approvals.decide(studio, BOB, first.id, False)
    await studio.adb.write(lambda db: db.execute("UPDATE cast_approvals SET due_at = 0 WHERE id = ?", (second.id,)))
    await approvals.expire_due(studio)
    told = await approvals.refusals_to_tell(studio, "console")
    assert [w.refusal().english() for w in told] == [
        "bob declined the use of Mira, so request #1 won't be made. You can ask again without them.",
        "bob didn't answer about Mira in time, so request #2 won't be made. You can ask again.",
    ]
    for waiting in told:
        await approvals.told(studio, waiting.approval.id)
    assert await approvals.refusals_to_tell(studio, "console") == []
    assert await requests(studio) == [("create", "rejected"), ("create", "rejected")]
    assert (await studio.adb.read(get_request, 1)).error == "bob declined the use of Mira."
    assert await studio.active_jobs() == []


async def test_the_owner_uses_their_ask_me_character_freely_and_a_remix_asks_again(studio):
    await mira(studio, consent="ask")
    own = await studio.create(BOB, "Mira dances", TWO)
    with pytest.raises(AwaitingApproval):
        await remix(studio, ALICE, own.clip.id, RemixChange("reroll"))
    [waiting] = await approvals.prompts_to_send(studio, "console")
    assert waiting.request.kind == "remix"
    decided = await approvals.decide(studio, BOB, waiting.approval.id, True)
    remixed = await approvals.finish(studio, decided.request)
    assert remixed is not None and remixed.clip.parent_id == own.clip.id
    assert [c.name for c in await studio.adb.read(clip_cast, remixed.clip.id)] == ["Mira"]


async def test_remixes_keep_the_cast_and_unchanged_shots_keep_their_recipes(studio, monkeypatch):
    monkeypatch.setitem(PRESETS, "tiny-wan", dataclasses.replace(PRESETS["tiny-wan"], references=True))
    character = await mira(studio)
    original = await studio.create(ALICE, "Mira walks to school, then she waves", TWO)
    recipes = Studio.recipes(original.clip)
    assert all(r.references == tuple(p.path for p in character.pictures) for r in recipes)
    assert not any("can't take reference pictures" in n.english() for n in original.shot_list.notes)
    child = await remix(studio, CAROL, original.clip.id, RemixChange("reroll", shot=2))
    carried = Studio.recipes(child.clip)
    assert carried[0] == recipes[0] and carried[1].seed != recipes[1].seed and carried[1].references
    assert carried[0].content_hash() == recipes[0].content_hash()  # the render cache serves shot 1
    [credit] = await studio.adb.read(clip_cast, child.clip.id)
    assert (credit.name, credit.conditioned) == ("Mira", True)


async def test_deleting_a_character_stops_its_use_at_once_and_clips_keep_their_credit(studio):
    desk = CastDesk(studio)
    character = await mira(studio)
    made = await studio.create(ALICE, "Mira walks, then she waves", TWO)
    with pytest.raises(NotAllowed, match="Only bob or a moderator"):
        await desk.delete(ALICE, "Mira")
    await desk.delete(MOD, "米拉")  # a moderator of its server, by an alias
    assert (await studio.adb.read(find_character, character.id)).status == "deleted"
    assert not any(Path(p.path).exists() for p in character.pictures)
    with pytest.raises(NotFound):
        await studio.create(ALICE, "a walk", dataclasses.replace(TWO, cast="Mira"))
    plain = await studio.create(ALICE, "Mira walks", TWO)
    assert await studio.adb.read(clip_cast, plain.clip.id) == []
    [credit] = await studio.adb.read(clip_cast, made.clip.id)
    assert (credit.name, credit.owner_name) == ("Mira", "bob")  # the made clip keeps its credit
    # A remix of the made clip no longer features her: her description leaves every shot.
    child = await remix(studio, CAROL, made.clip.id, RemixChange("reroll", shot=1))
    assert await studio.adb.read(clip_cast, child.clip.id) == []
    assert all(MIRA not in shot.prompt for shot in child.shot_list.shots)
    assert MIRA not in child.shot_list.bible.characters
    assert any("their owner deleted them" in n.english() for n in child.shot_list.notes)
    # The name is free again.
    assert (await desk.create(CAROL, "Mira", LEO, pictures(studio, (5, 5, 5)))).owner_id == CAROL.id


async def test_only_the_owner_edits_and_edits_are_checked(studio):
    desk = CastDesk(studio)
    await mira(studio)
    await desk.create(CAROL, "Leo", LEO, pictures(studio, (90, 90, 90)))
    with pytest.raises(NotAllowed, match="Only bob can change Mira"):
        await desk.edit(ALICE, "Mira", description="someone else")
    with pytest.raises(Conflict, match="“Leo” is already taken"):
        await desk.edit(BOB, "Mira", aliases=["Leo"])
    edited = await desk.edit(BOB, "ミラ", new_name="Mira Rose", aliases=["Rosie"], consent="ask", notify=False)
    assert (edited.name, edited.aliases, edited.consent, edited.notify) == ("Mira Rose", ("Rosie",), "ask", False)
    with pytest.raises(NotFound):
        await desk.find(ALICE, "米拉")  # the old aliases are gone


async def test_forget_me_deletes_the_owners_characters_and_pictures_and_anonymises_credits(studio):
    character = await mira(studio, consent="ask")
    with pytest.raises(AwaitingApproval):
        await studio.create(ALICE, "Mira sings", TWO)
    forgotten = await studio.forget(BOB)
    assert forgotten.changed["cast"] > 0
    assert not any(Path(p.path).exists() for p in character.pictures)
    gone = await studio.adb.read(find_character, character.id)
    assert (gone.status, gone.name, gone.description, gone.owner_id) == ("deleted", "", "", 0)
    # Alice's request waiting for Bob falls due at once, and she is told.
    await approvals.expire_due(studio)
    [told] = await approvals.refusals_to_tell(studio, "console")
    assert told.refusal().english().startswith("a deleted member didn't answer")
    assert (await studio.forget(BOB)).total == 0  # idempotent
    [closed] = await studio.adb.read(approvals_for, told.request.id)
    assert closed.status == "expired"


async def test_owners_hear_of_uses_by_others_unless_they_opted_out(studio, tmp_path):
    from storage.clips import move_clip

    await mira(studio)
    await CastDesk(studio).create(CAROL, "Leo", LEO, pictures(studio, (90, 90, 90)), notify=False)
    made = [await studio.create(who, text, TWO) for who, text in ((ALICE, "Mira dances"), (ALICE, "Leo naps"),
                                                                  (BOB, "Mira sings"))]
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"not looked at")
    for accepted in made:
        await studio.adb.write(move_clip, accepted.clip.id, "ready", video_path=str(video))
    uses = await approvals.uses_to_tell(studio, "console")
    # Alice's Mira clip only: Carol opted out for Leo, and Bob used his own Mira.
    assert [(credit.name, clip.id) for credit, clip in uses] == [("Mira", made[0].clip.id)]
    assert approvals.use_text(*uses[0]).english() == f"alice featured your character Mira in clip #{made[0].clip.id} “Mira Dances”."
    await approvals.use_told(studio, uses[0][0])
    assert await approvals.uses_to_tell(studio, "console") == []
