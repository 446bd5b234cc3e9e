"""Texts (common.text) become JSON in one place, `jsonable`: every path that writes a plan as JSON or a dict
(the `reelbot plan --json` output, the stored shot list, the gallery page that reads it back, log lines)
is exercised here with planner notes present."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot.cli import main
from bot.i18n import say, use
from common.text import N_, Nn_, Text, jsonable
from gallery_fixtures import ALICE, GUILD, client, links, make_clip, studio
from prompts.rules import RuleBasedExpander
from prompts.schema import ShotList
from storage.records import Clip
from storage_fixtures import db, db_path  # noqa: F401 - fixtures
from studio.service import Studio

__all__ = ["client", "links", "studio"]  # fixtures

# Three notes: more shots than a clip holds, a clamped total; `reelbot plan` adds the frame-rate one.
NOTED = "a rocket launch, 2 minutes, 9 shots at 60 fps"


async def noted_plan() -> ShotList:
    plan = await RuleBasedExpander().expand(NOTED)
    assert len(plan.notes) == 2
    return plan


def test_jsonable_gives_the_stored_form_or_the_readers_sentence() -> None:
    note = Text.count(Nn_("{n} shot", "{n} shots"), 3)
    nested = Text.of(N_("remix of {author}'s clip {clip}"), author="bob", clip=Text.of(N_("#{clip_id}"), clip_id=4))
    value = {"notes": [note, nested], "pair": ("a", 1), "none": None}
    stored = jsonable(value)
    assert json.loads(json.dumps(stored)) == stored
    assert Text.coerce(stored["notes"][0]) == note and Text.coerce(stored["notes"][1]) == nested
    assert stored["pair"] == ["a", 1] and stored["none"] is None
    with use("zh-CN"):
        assert jsonable(value, say)["notes"][0] == "3 个镜头"
    with pytest.raises(TypeError, match="object is not JSON"):
        jsonable({"x": object()})


async def test_a_shot_list_with_notes_dumps_and_loads_in_every_mode() -> None:
    plan = await noted_plan()
    for dumped in (plan.model_dump(), plan.model_dump(mode="json"), json.loads(plan.model_dump_json())):
        assert json.loads(json.dumps(dumped)) == dumped
        assert ShotList.model_validate(dumped).notes == plan.notes
    assert [note.english() for note in plan.notes] == [
        "You asked for 9 shots; a clip has at most 6, so this one has 6.",
        "You asked for 120 s; a clip is at most 24 s, so this clip is 24 s."]


async def test_a_stored_clip_keeps_its_notes(db) -> None:  # noqa: ANN001 - fixture
    from storage.clips import create_clip, get_clip

    plan = await noted_plan()
    clip = create_clip(db, guild_id=10, channel_id=20, author_id=1, author_name="a", request=NOTED,
                       shot_list=plan.model_dump(), recipes=[{}], captions=["1"], model="tiny")
    assert Studio.shot_list(get_clip(db, clip.id)).notes == plan.notes


async def test_the_gallery_page_says_a_clips_notes(studio, client, links) -> None:  # noqa: ANN001 - fixtures
    plan = await noted_plan()
    clip: Clip = await make_clip(studio, ALICE)

    def store(db) -> None:  # noqa: ANN001
        db.execute("UPDATE clips SET shot_list = ? WHERE id = ?", (json.dumps(plan.model_dump()), clip.id))

    await studio.adb.write(store)
    english = await (await client.get(links.clip(GUILD, clip.id))).text()
    assert "a clip is at most 24 s, so this clip is 24 s." in english
    chinese = await (await client.get(links.clip(GUILD, clip.id), headers={"Accept-Language": "zh-CN"})).text()
    with use("zh-CN"):
        assert say(plan.notes[0]) in chinese


async def test_a_logged_plan_reads_as_english(caplog: pytest.LogCaptureFixture) -> None:
    plan = await noted_plan()
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("plan notes: %s", "; ".join(map(str, plan.notes)))
        logging.getLogger("test").info("plan: %s", json.dumps(jsonable(plan.model_dump())))
    assert "a clip has at most 6" in caplog.text and '"template"' in caplog.text


def test_reelbot_plan_works_without_a_model_and_prints_notes_as_json(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    none = str(tmp_path / "none.toml")
    code = main(["plan", NOTED, "--home", str(tmp_path), "--config", none, "--json", "--llm", "rules"])
    out, err = capsys.readouterr()
    assert code == 0, err
    plan = json.loads(out)
    assert plan["model"] == "tiny"  # what "auto" stands for on a machine without a GPU
    assert plan["notes"] == [
        "You asked for 9 shots; a clip has at most 6, so this one has 6.",
        "You asked for 120 s; a clip is at most 24 s, so this clip is 24 s.",
        "tiny renders at 8 fps, so the clip is 8 fps rather than 60."]
    assert len(plan["shots"]) == 6 and plan["total_duration_s"] == pytest.approx(24, abs=0.5)

    assert main(["plan", NOTED, "--home", str(tmp_path), "--config", none, "--lang", "zh-CN"]) == 0
    text = capsys.readouterr().out
    assert "note: 你要了 9 个镜头；一条短片最多 6 个，所以这条有 6 个。" in text


def test_a_fixed_size_preset_says_it_cannot_take_the_asked_aspect(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    none = str(tmp_path / "none.toml")
    code = main(["plan", "a fox at dusk, vertical", "--home", str(tmp_path), "--config", none, "--json",
                 "--llm", "rules", "--model", "tiny-cogvideox"])
    plan = json.loads(capsys.readouterr().out)
    assert code == 0 and (plan["aspect"], plan["width"], plan["height"]) == ("9:16", 64, 64)
    assert plan["notes"] == ["tiny-cogvideox renders only at 64x64, so the clip is 64x64 rather than 9:16."]
    assert main(["plan", "a fox at dusk, vertical", "--home", str(tmp_path), "--config", none, "--llm", "rules",
                 "--model", "tiny-cogvideox", "--lang", "ja"]) == 0
    assert "note: tiny-cogvideox は 64x64 でしかレンダリングできないため" in capsys.readouterr().out
