"""The rule-based expander on real casual requests, English and Chinese."""
from __future__ import annotations

import re

import pytest

from prompts.base import ExpandOptions
from prompts.request import parse_request
from prompts.rules import DEFAULT_SHOTS, RuleBasedExpander
from prompts.schema import MAX_SHOT_SECONDS, MIN_SHOT_SECONDS, ShotList, StyleBible
from prompts.timing import MAX_TOTAL_SECONDS

CJK = re.compile(r"[\u3400-\u9fff]")

# request, language, words the clip's prompts must carry, exact shot count asked for in the text
REQUESTS = [
    ("a giant monster walking through New York", "en", ["monster", "New York"], None),
    ("一个巨大的怪物在纽约街道上行走", "zh-CN", ["monster", "New York", "walking", "streets"], None),
    ("make me a video of a cat playing piano in a jazz bar at night", "en", ["cat", "piano", "jazz bar"], None),
    ("an astronaut floating in space, anime style, in 3 shots", "en", ["astronaut", "space", "anime"], 3),
    ("A claymation video of a dog cooking pasta in a tiny kitchen", "en", ["dog", "pasta", "claymation"], None),
    ("noir detective walking down a rainy street at midnight, one shot", "en", ["detective", "street", "noir"], 1),
    ("a dragon flying over a misty forest at sunrise", "en", ["dragon", "forest", "dawn"], None),
    ("can you make a 10 second clip of a robot dancing in tokyo", "en", ["robot", "dancing", "Tokyo"], 3),
    ("一只猫在海边看日落，三个镜头", "zh-CN", ["cat", "beach", "sunset"], 3),
    ("宇航员在太空中漂浮，单镜头", "zh-CN", ["astronaut", "space", "floating"], 1),
    ("水墨风格的龙在森林里飞翔", "zh-CN", ["dragon", "forest", "ink wash"], None),
    ("夜晚下雨的城市街道上，一个孤独的机器人在散步", "zh-CN", ["robot", "city", "rain", "night"], None),
    ("pirate ship sailing across a stormy ocean, epic, 5 shots", "en", ["pirate ship", "ocean"], 5),
    ("two knights fighting in the snow while a dragon watches, 6 shots", "en", ["knights", "snow"], 6),
]


async def expand(request: str, **options) -> ShotList:
    return await RuleBasedExpander().expand(request, ExpandOptions(**options))


@pytest.mark.parametrize(("request_text", "language", "words", "count"), REQUESTS)
async def test_casual_requests_become_sensible_shot_lists(request_text, language, words, count):
    shot_list = await expand(request_text)

    assert shot_list.backend == "rules"
    assert shot_list.language == language
    assert len(shot_list.shots) == (count or DEFAULT_SHOTS)
    written = " ".join(shot.prompt for shot in shot_list.shots).lower()
    for word in words:
        assert word.lower() in written, (word, written)
    for shot in shot_list.shots:
        assert not CJK.search(shot.prompt), shot.prompt
        assert shot.negative_prompt
        assert MIN_SHOT_SECONDS <= shot.duration <= MAX_SHOT_SECONDS
    # A film, not one sentence said N times: every shot shows something of its own.
    assert len({shot.action for shot in shot_list.shots}) == len(shot_list.shots)
    assert not CJK.search(shot_list.logline + shot_list.bible.model_dump_json())
    # The title is in the request's language.
    assert bool(CJK.search(shot_list.title)) == language.startswith("zh"), shot_list.title
    assert shot_list.duration <= MAX_TOTAL_SECONDS
    cameras = [shot.camera for shot in shot_list.shots]
    assert len(set(cameras)) == len(cameras), cameras
    if len(cameras) > 1:
        # The arc opens wide and comes in close.
        assert "wide" in cameras[0]
        assert any("close-up" in camera for camera in cameras)
        assert 2.0 <= shot_list.duration / len(cameras) <= 3.5


async def test_monster_request_in_english_and_chinese_tell_the_same_story():
    english = await expand("a giant monster walking through New York")
    chinese = await expand("一个巨大的怪物在纽约街道上行走")

    for shot_list in (english, chinese):
        assert shot_list.bible.characters.startswith("a giant monster")
        assert "New York" in shot_list.bible.setting
        assert shot_list.shots[0].prompt.startswith(shot_list.shots[0].camera[0].upper())
        # The place first, then the monster in it, then what it does, then its face.
        assert [shot.camera.split(",")[0] for shot in shot_list.shots][::3] == [
            shot_list.shots[0].camera.split(",")[0], shot_list.shots[3].camera.split(",")[0]]
        assert "establishing" in shot_list.shots[0].camera and "close-up" in shot_list.shots[3].camera
        assert shot_list.shots[3].action == "the giant monster's face"
    assert [shot.action for shot in english.shots[:3]] == [
        "New York", "the giant monster in New York", "a giant monster walking through New York"]
    assert "a giant monster walking through the streets of New York" in chinese.shots[2].prompt
    assert (english.title, chinese.title) == ("Giant Monster in New York", "纽约街道上的巨大的怪物")


async def test_every_word_of_the_request_reaches_the_clip_and_each_shot_frames_a_part():
    shot_list = await expand("two knights fighting in the snow while a dragon watches, 6 shots")
    assert shot_list.bible.setting == "falling snow"
    assert "while a dragon watches" in shot_list.logline
    assert sum("two knights fighting in the snow while a dragon watches" in shot.prompt for shot in shot_list.shots) == 1
    assert [shot.action for shot in shot_list.shots] == [
        "the snow", "two knights in the snow", "two knights fighting in the snow while a dragon watches", "two knights' faces",
        "two knights' hands", "two knights fighting"]


async def test_same_request_gives_the_same_shot_list():
    first = await expand("a dragon flying over a misty forest at sunrise")
    second = await expand("a dragon flying over a misty forest at sunrise")
    assert first.model_dump() == second.model_dump()


async def test_shot_count_option_beats_the_words_in_the_request():
    assert len((await expand("an astronaut in space in 3 shots", shots=5)).shots) == 5
    assert len((await expand("an astronaut in space", shots=1)).shots) == 1
    assert len((await expand("an astronaut in space", shots=40)).shots) == 6


@pytest.mark.parametrize(("text", "count"), [
    ("a cat in one shot", 1), ("a single shot of a cat", 1), ("a cat, one-take", 1), ("a cat in 2 shots", 2),
    ("a cat in six different shots", 6), ("a cat in 10 shots", 10), ("一只猫，三个镜头", 3), ("一只猫，单镜头", 1),
    ("一只猫一镜到底", 1), ("用5个镜头拍一只猫", 5), ("a cat", None),
])
def test_shot_count_phrases(text, count):
    facts = parse_request(text)
    assert facts.shots == count
    assert "shot" not in facts.text and "镜头" not in facts.text and "take" not in facts.text


async def test_duration_from_option_request_and_cap():
    assert (await expand("a robot dancing", duration=12)).duration == pytest.approx(12)
    assert (await expand("a 10 second clip of a robot dancing")).duration == pytest.approx(10)
    assert (await expand("一只猫在海边，8秒")).duration == pytest.approx(8)
    assert (await expand("a robot dancing", duration=500)).duration == pytest.approx(MAX_TOTAL_SECONDS)
    single = await expand("a robot dancing", shots=1, duration=30)
    assert single.shots[0].duration == MAX_SHOT_SECONDS


async def test_given_bible_is_kept_exactly():
    bible = StyleBible(style="watercolor storybook, pastel palette", characters="Mochi, a round white cat with a "
                       "red scarf", setting="a tiny seaside town")
    shot_list = await expand("make it at night in the rain", bible=bible)
    assert shot_list.bible == bible
    for shot in shot_list.shots:
        assert shot.style == bible.style
        assert "Mochi, a round white cat with a red scarf" in shot.prompt
        assert "a tiny seaside town" in shot.prompt


async def test_style_option_and_style_words():
    assert "claymation" in (await expand("a cat cooking", style="claymation")).bible.style
    assert (await expand("a cat cooking", style="gouache painting, thick paint")).bible.style.startswith("gouache")
    assert "anime" in (await expand("an anime girl dancing on a rooftop")).bible.style
    assert "ink wash" in (await expand("水墨山水，一只鸟在飞")).bible.style
    assert "cinematic" in (await expand("a girl dancing on a rooftop")).bible.style


async def test_lighting_follows_time_of_day_in_every_shot():
    night = await expand("a fox in a city at night")
    sunset = await expand("一只狐狸在草原上，日落")
    assert all("moonlight" in shot.lighting for shot in night.shots)
    assert all("golden-hour" in shot.lighting for shot in sunset.shots)
    assert night.shots[0].lighting != sunset.shots[0].lighting


async def test_negative_option_is_added_to_every_shot():
    shot_list = await expand("a cat on a beach", negative="dogs, people")
    assert all(shot.negative_prompt.endswith("dogs, people") for shot in shot_list.shots)


@pytest.mark.parametrize(("text", "subject", "action", "setting"), [
    ("a giant monster walking through New York", "a giant monster", "walking", "New York"),
    ("please make a short video of a corgi surfing a huge wave", "a corgi", "surfing a huge wave", ""),
    ("an anime girl dancing on a rooftop at sunset", "a girl", "dancing", "a rooftop"),
    ("a man in a suit running through the streets of paris", "a man in a suit", "running", "the streets of Paris"),
    ("noir detective walking down a rainy street", "a detective", "walking", "a rainy street"),
    ("a cat on the beach at sunset", "a cat", "", "the beach"),
    ("在海边跳舞的女孩", "a girl", "dancing", "the beach"),
    ("一只小狗和一只猫在公园玩耍", "a puppy and a cat", "playing", "a park"),
    ("一只猫在追一只老鼠", "a cat", "chasing a mouse", ""),
    ("一群熊猫在竹林里吃竹子", "a group of pandas", "eating bamboo shoots", "a bamboo forest"),
])
def test_request_parsing(text, subject, action, setting):
    facts = parse_request(text)
    assert (facts.subject, facts.action, facts.setting) == (subject, action, setting)


def test_unknown_language_keeps_the_text_as_subject():
    facts = parse_request("猫が東京の街を歩いている")
    assert facts.language == "ja"
    assert facts.subject == "猫が東京の街を歩いている"
    assert not facts.understood and not facts.names_subject


def test_mixed_language_request_goes_by_the_main_script():
    facts = parse_request("a dragon in 水墨 style flying over 纽约")
    assert (facts.language, facts.subject, facts.action, facts.setting, facts.style) == (
        "en", "a dragon", "flying", "New York", "ink")


@pytest.mark.parametrize("note", ["make it at night in the rain", "same but anime", "now at sunset", "再来一次"])
async def test_remix_note_without_a_subject_keeps_the_parent_subject(note):
    bible = StyleBible(style="watercolor", characters="a round white cat with a red scarf", setting="a seaside town")
    shot_list = await expand(note, bible=bible)
    assert shot_list.bible == bible
    # Every shot frames the parent's cat or the parent's town, and names the cat for continuity.
    assert {shot.subject for shot in shot_list.shots} <= {"the round white cat with a red scarf", "a seaside town"}
    assert all("a round white cat with a red scarf" in shot.prompt for shot in shot_list.shots)


@pytest.mark.parametrize(("text", "subject", "action"), [
    ("the monster roars at a taxi", "the monster", "roars"),
    ("the dragon breathes fire", "the dragon", "breathes fire"),
    ("a girl dances in the rain", "a girl", "dances"),
    ("the busy streets of Tokyo at night", "the busy streets of Tokyo", ""),
])
def test_subject_and_action_of_shot_texts(text, subject, action):
    # Remixes hand single-shot texts like these to the rules; a missed verb makes the whole text the subject.
    facts = parse_request(text)
    assert (facts.subject, facts.action) == (subject, action)
