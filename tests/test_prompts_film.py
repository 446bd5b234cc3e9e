"""A film, not one sentence N times: a beat's shots frame its own parts, shot sizes and moves come in
compatible pairs, each beat's light follows its own time words, chat framing goes, titles are names."""
from __future__ import annotations

import pytest

from prompts.camera import PAIRS, ROLES, camera, fits
from prompts.rules import RuleBasedExpander


async def plan(text: str):
    return await RuleBasedExpander().expand(text)


async def test_one_beat_of_four_shots_is_a_sequence_from_its_own_parts():
    shots = (await plan("a red fox trots across a frozen lake at dusk, 4 shots")).shots
    assert [shot.action for shot in shots] == [
        "a frozen lake at dusk", "the red fox on a frozen lake", "a red fox trots across a frozen lake at dusk",
        "the red fox's face"]
    assert "establishing" in shots[0].camera and "close-up" in shots[3].camera


async def test_a_named_object_is_the_detail_insert_and_nothing_is_added():
    shots = (await plan("un gato tocando el piano en un bar de jazz, 5 tomas")).shots
    assert [shot.action for shot in shots] == [
        "un bar de jazz", "un gato en un bar de jazz", "un gato tocando el piano en un bar de jazz", "el piano",
        "un gato tocando el piano"]
    words = {word for shot in shots for word in shot.action.split()}
    assert words <= set("un gato tocando el piano en bar de jazz".split())


@pytest.mark.parametrize(("asked", "move"), [("close-up", None), (None, "handheld camera"),
                                              ("aerial drone shot", "zoom out")])
async def test_an_asked_size_or_move_only_meets_what_fits_it(asked, move):
    text = "a lighthouse keeper lights the lamp in a storm, 6 shots" + (f", {asked}" if asked else "") + \
        (", handheld" if move == "handheld camera" else ", zoom out" if move else "")
    shots = (await plan(text)).shots
    for shot in shots:
        size, chosen = shot.camera.split(", ", 1)
        assert fits(size, chosen), shot.camera
        assert size == asked if asked else True
        assert chosen == move if move else True


def test_every_pair_the_table_offers_is_in_the_table():
    for role, (sizes, _moves) in ROLES.items():
        for key in ("a", "b", "c", "d"):
            for asked_size in (None, *PAIRS):
                for asked_move in (None, "handheld camera", "dolly zoom", "slow rotation", "rising aerial pull-away"):
                    size, move = camera(role, key, asked_size, asked_move)
                    assert fits(size, move), (role, asked_size, asked_move, size, move)
    assert camera("detail", "x", "close-up")[1] != "rising aerial pull-away"


async def test_each_beat_is_lit_by_its_own_time_words():
    shots = (await plan("a cat sleeps on the sofa at night, the next morning it wakes up and stretches")).shots
    assert "moonlight" in shots[0].lighting and "dawn" in shots[1].lighting
    assert shots[1].action == "the next morning the cat wakes up and stretches"


@pytest.mark.parametrize("text", [
    "so hear me out, a dragon sleeping on a pile of gold lol",
    "honestly a dragon sleeping on a pile of gold, you know?",
    "ok so basically I want like a dragon sleeping on a pile of gold pls",
])
async def test_chat_framing_stays_out_of_prompts_and_titles(text):
    result = await plan(text)
    written = " ".join(shot.prompt for shot in result.shots).lower() + result.title.lower()
    assert not any(word in written for word in ("hear me out", "honestly", "lol", "you know", "basically", "pls"))
    assert result.title == "Dragon on a Pile of Gold"
    assert result.bible.characters.startswith("a dragon,")


async def test_a_pronoun_beat_gets_the_subject_not_the_whole_first_clause():
    shots = (await plan("a tiny robot who gets lost in a library, then it finds a glowing book")).shots
    assert shots[1].action == "the tiny robot finds a glowing book"
