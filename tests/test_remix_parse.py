"""Reading remix requests: free text (English and Chinese) to a typed RemixChange, and clip references."""
from __future__ import annotations

import pytest
from refusals import refused

from bot.references import clip_ref
from common.errors import InvalidValue
from studio.remix import LAST, ClipRef, RemixChange, RemixError, parse_change


@pytest.mark.parametrize(
    "text, shot, expected",
    [
        ("make it noir", None, RemixChange("style", "noir")),
        ("make it anime style", None, RemixChange("style", "anime")),
        ("style: soft watercolor", None, RemixChange("style", "soft watercolor")),
        ("in claymation style", None, RemixChange("style", "claymation")),
        ("noir", None, RemixChange("style", "noir")),
        ("make it rain", None, RemixChange("edit", "make it rain")),
        ("at night, with fireworks", None, RemixChange("edit", "at night, with fireworks")),
        ("stylish monster", None, RemixChange("edit", "stylish monster")),
        ("shot 2: the monster roars", None, RemixChange("shot", "the monster roars", 2)),
        ("#3: a close-up of its eyes", None, RemixChange("shot", "a close-up of its eyes", 3)),
        ("the monster roars", 2, RemixChange("shot", "the monster roars", 2)),
        ("shot 1: the monster roars", 2, RemixChange("shot", "the monster roars", 1)),  # the text wins
        ("reroll 3", None, RemixChange("reroll", shot=3)),
        ("re-roll shot 3", None, RemixChange("reroll", shot=3)),
        ("reroll", None, RemixChange("reroll")),
        ("reroll", 2, RemixChange("reroll", shot=2)),
        ("reroll all", 2, RemixChange("reroll")),
        ("remove shot 2", None, RemixChange("remove", shot=2)),
        ("delete", 4, RemixChange("remove", shot=4)),
        ("swap 1 and 3", None, RemixChange("reorder", shot=1, to=3, swap=True)),
        ("swap shots 2 & 1", None, RemixChange("reorder", shot=2, to=1, swap=True)),
        ("move shot 3 first", None, RemixChange("reorder", shot=3, to=1)),
        ("move 1 to the end", None, RemixChange("reorder", shot=1, to=LAST)),
        ("move shot 1 to position 3", None, RemixChange("reorder", shot=1, to=3)),
        ("order 3 1 2", None, RemixChange("reorder", order=(3, 1, 2))),
        ("reorder: 2, 3, 1", None, RemixChange("reorder", order=(2, 3, 1))),
        ("camera 2: slow crane up", None, RemixChange("camera", "slow crane up", 2)),
        ("camera: handheld, shaky", 1, RemixChange("camera", "handheld, shaky", 1)),
        ("add: the monster falls asleep", None, RemixChange("add", "the monster falls asleep")),
        ("add a shot 2: a cat watches", None, RemixChange("add", "a cat watches", 2)),
        ("extend", None, RemixChange("extend")),
        ("continue: the monster walks into the sea", None, RemixChange("extend", "the monster walks into the sea")),
        ("重新生成", None, RemixChange("reroll")),
        ("重新生成第二个镜头", None, RemixChange("reroll", shot=2)),
        ("风格：水墨", None, RemixChange("style", "水墨")),
        ("赛博朋克风格", None, RemixChange("style", "赛博朋克")),
        ("删除第3个镜头", None, RemixChange("remove", shot=3)),
        ("镜头2：怪兽怒吼", None, RemixChange("shot", "怪兽怒吼", 2)),
        ("交换1和3", None, RemixChange("reorder", shot=1, to=3, swap=True)),
        ("把第3个镜头移到最前", None, RemixChange("reorder", shot=3, to=1)),
        ("加一个镜头：怪兽睡着了", None, RemixChange("add", "怪兽睡着了")),
        ("延长", None, RemixChange("extend")),
        # "第一次" (the first time) is not a shot number; the text is kept as typed.
        ("怪兽第一次看到大海", None, RemixChange("edit", "怪兽第一次看到大海")),
        ("ｓｈｏｔ　２：　ａ ｃａｔ", None, RemixChange("shot", "a cat", 2)),  # full-width forms
    ],
)
def test_parse_change(text, shot, expected):
    assert parse_change(text, shot) == expected


@pytest.mark.parametrize(
    "text, shot, code",
    [
        ("", None, "no_text"),
        ("   ", 2, "no_text"),
        ("remove", None, "which_shot"),
        ("camera: slow crane up", None, "which_shot"),
        ("shot 0: nothing", None, "no_such_shot"),
    ],
)
def test_parse_change_refusals_say_what_to_do(text, shot, code):
    with refused(code, RemixError) as info:
        parse_change(text, shot)
    assert info.value.user_message


def test_changes_validate_themselves_and_describe_what_changed():
    with pytest.raises(ValueError):
        RemixChange("paint")
    with refused("bad_order", RemixError):
        RemixChange("reorder", shot=2)
    with pytest.raises(RemixError):
        RemixChange("style", " ")
    assert RemixChange("reroll").describe().english() == "re-rolled every shot"
    assert RemixChange("reroll", shot=2).describe().english() == "re-rolled shot 2"
    assert RemixChange("reorder", shot=3, to=LAST).describe().english() == "moved shot 3 last"
    assert RemixChange("reorder", shot=1, to=3, swap=True).describe().english() == "swapped shots 1 and 3"
    assert RemixChange("add", "a cat").describe().english() == "added a shot: a cat"
    assert RemixChange("extend").describe().english() == "extended the clip"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12", ClipRef(clip_id=12)),
        ("#12", ClipRef(clip_id=12)),
        ("clip #7", ClipRef(clip_id=7)),
        ("https://discord.com/channels/1/2/1234567890123", ClipRef(message_id=1234567890123)),
        ("<https://discord.com/channels/1/2/99>", ClipRef(message_id=99)),
        ("https://ptb.discord.com/channels/@me/2/99", ClipRef(message_id=99)),
    ],
)
def test_clip_refs_from_discord(text, expected):
    assert clip_ref(text) == expected


def test_digits_of_one_script_name_a_clip_and_a_numbers_past_pythons_limit_is_refused():
    assert clip_ref("#٣") == clip_ref("#３") == clip_ref("#3")
    for text in ("shot " + "9" * 5000 + ": a cat", "swap 1 and " + "9" * 5000, "order 2 " + "1" * 5000):
        with pytest.raises(InvalidValue) as raised:
            parse_change(text)
        assert raised.value.code == "invalid_shot"


@pytest.mark.parametrize(
    "text",
    ["the monster one", "#", "#-3", "0", "#²", "#1٣", str(2**63), "https://example.com/channels/1/2/3", "12 13"],
)
def test_anything_else_is_refused_with_a_code_naming_the_value(text):
    with pytest.raises(InvalidValue) as raised:
        clip_ref(text)
    assert raised.value.code == "invalid_id" and raised.value.params["value"] == text
