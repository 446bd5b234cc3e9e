"""The core's user-facing texts as data (common.text): English plurals, storage, and rendering in the
reader's language by the front-end, including the gallery's pages."""
from __future__ import annotations

import io

import pytest

from bot.gallery.app import accept_language
from bot.i18n import error_message, say, use
from bot.i18n.extract import extract_reelbot
from common.errors import InvalidValue
from common.text import N_, Nn_, Text
from gallery_fixtures import ALICE, BOB, GUILD, client, links, make_clip, studio
from storage_fixtures import db, db_path  # noqa: F401 - fixtures
from prompts.base import ExpandOptions
from prompts.request import parse_request
from prompts.rules import plan_durations
from studio.leaderboard import Row, render_leaderboard
from studio.converters import check_duration_s
from studio.lineage import LineageNode, LineageTree, lineage_text
from studio.remix import RemixChange, RemixError

__all__ = ["client", "links", "studio"]  # fixtures

SHOTS = Nn_("{n} shot", "{n} shots")


def test_plurals_are_right_in_english() -> None:
    assert Text.count(SHOTS, 1).english() == "1 shot"
    assert Text.count(SHOTS, 2).english() == "2 shots"
    assert Text.count(SHOTS, 0).english() == "0 shots"
    with use("zh-CN"):
        assert say(Text.count(SHOTS, 2)) == "2 个镜头"
    with use("ja"):
        assert say(Text.count(SHOTS, 1)) == "1 ショット"


def test_planner_notes_count_shots_in_english() -> None:
    facts = parse_request("a cat naps in the sun, 20 seconds")
    for count, words in ((1, "1 shot lasts 1 to 8 s"), (2, "2 shots last 2 to 16 s")):
        notes: list[Text] = []
        plan_durations([1.0] * count, facts, ExpandOptions(), notes)
        assert [note.english() for note in notes] == [f"You asked for 20 s; {words}, so this clip is {8 * count} s."]
        with use("zh-CN"):
            assert say(notes[0]) == f"你要的是 20 秒；{count} 个镜头的时长为 {count} 到 {8 * count} 秒，所以这条是 {8 * count} 秒。"


def _node(clip_id: int, note: Text | None, *children: LineageNode, kind: str | None = "style") -> LineageNode:
    return LineageNode(clip_id, clip_id, f"member{clip_id}", "Cats at sea", kind, note, False, children)


def test_lineage_counts_and_notes_in_english_and_chinese() -> None:
    child = _node(2, RemixChange("style", "noir").describe())
    tree = LineageTree(_node(1, None, child, kind=None), 2, omitted=1, elsewhere=2)
    assert lineage_text(tree).splitlines() == [
        "#1 member1 — original: Cats at sea", "└─ #2 member2 — style: noir  ◀ this clip",
        "… and 1 more remix", "+ 2 remixes in other servers",
    ]
    with use("zh-CN"):
        assert lineage_text(tree, say=say).splitlines() == [
            "#1 member1 — 原作：Cats at sea", "└─ #2 member2 — 风格：noir  ◀ 本短片",
            "… 还有 1 个二创", "+ 其他服务器中的 2 个二创",
        ]


def test_stored_notes_round_trip_and_old_rows_stay_as_written() -> None:
    note = RemixChange("reorder", shot=3, to=1).describe()
    assert Text.loads(note.dumps()) == note and note.english() == "moved shot 3 first"
    with use("zh-TW"):
        assert say(Text.loads(note.dumps())) == "把鏡頭 3 移到了開頭"
    # Rows written before notes were data: shown as they are, never looked up or formatted.
    assert say(Text.loads("re-rolled {every} shot")) == "re-rolled {every} shot"
    assert Text.loads(None) is None
    # A Text inside a Text (a clip reference in a credit) is rendered in the same language.
    credit = Text.of(N_("remix of {author}'s clip {clip}"), author="bob",
                     clip=Text.of(N_("#{clip_id} (deleted)"), clip_id=4))
    assert Text.loads(credit.dumps()).english() == "remix of bob's clip #4 (deleted)"
    with use("ja"):
        assert say(credit) == "bob さんのクリップ #4（削除済み） のリミックス"


def test_plural_markers_are_extracted_for_ngettext() -> None:
    source = b'from common.text import Nn_\nX = Nn_("{n} take", "{n} takes")\n'
    found = [(funcname, message) for _, funcname, message, _ in extract_reelbot(io.BytesIO(source), {"_": None}, [], {})]
    assert ("ngettext", ("{n} take", "{n} takes")) in found


def test_browsers_language_by_quality() -> None:
    assert accept_language("zh-TW,zh;q=0.9,en;q=0.5") == "zh-TW"
    assert accept_language("fr-FR, ja;q=0.8, zh-CN;q=0.9") == "zh-CN"
    assert accept_language("de, *;q=0.1") == "en"
    assert accept_language("ja;q=0") == "en" and accept_language(None) == "en"


async def test_gallery_pages_speak_the_visitors_language(studio, client, links) -> None:  # noqa: ANN001
    original = await make_clip(studio, ALICE, title="Cats at sea")
    remix = await make_clip(studio, BOB, title="Cats at sea", parent=original)
    page = await client.get(links.clip(GUILD, remix.id), headers={"Accept-Language": "ja,en;q=0.5"})
    html = await page.text()
    assert page.headers["Content-Language"] == "ja" and '<html lang="ja">' in html
    assert "<h2>レシピ</h2>" in html and "alice さんのクリップ #1 のリミックス" in html
    assert "最新のクリップ" in html and "Latest clips" not in html
    english = await (await client.get(links.clip(GUILD, remix.id))).text()
    assert "<h2>Recipe</h2>" in english and '<html lang="en">' in english
    missing = await client.get(f"/g/{GUILD}/clip/999", headers={"Accept-Language": "zh-CN"})
    assert missing.status in (403, 404) and ("无效" in await missing.text() or "没有" in await missing.text())


def test_every_word_of_the_leaderboard_goes_through_the_front_ends_say(tmp_path) -> None:  # noqa: ANN001
    said: list[str] = []

    def say_zh(text: Text) -> str:
        said.append(text.template)
        with use("zh-CN"):
            return say(text)

    note = Text.of(N_("remix of #{clip_id} by {author}"), clip_id=1, author="alice")
    rows = [Row(rank, f"Boat {rank}", "bob", 12 - rank, note=note if rank == 1 else None) for rank in range(1, 12)]
    heading = Text.of(N_("Challenge #{challenge_id}: {theme}"), challenge_id=3, theme="Sea")
    subheading = Text.of(N_("{entries} · {votes}"), entries=Text.count(Nn_("{n} entry", "{n} entries"), 11),
                         votes=Text.count(Nn_("{n} vote", "{n} votes"), 66))
    assert render_leaderboard(heading, subheading, rows, tmp_path / "board.png", say=say_zh).is_file()
    assert {"Challenge #{challenge_id}: {theme}", "{entries} · {votes}", "{n} vote", "by {author}",
            "remix of #{clip_id} by {author}", "…and {n} more"} <= set(said)
    with use("zh-CN"):
        assert say(subheading) == "11 个参赛作品 · 66 票"


def test_texts_inside_refusals_are_translated_with_them() -> None:
    with pytest.raises(RemixError) as caught:
        RemixChange("edit")
    assert "Try `make it noir`" in caught.value.user_message
    with use("zh-CN"):
        assert "`改成黑色电影风格`" in error_message(caught.value)
    with use("ja"):
        assert error_message(caught.value).startswith("新しいバージョンをどうしたいか教えてください。例：`make it noir`")
    with pytest.raises(InvalidValue) as too_short:
        check_duration_s(5, 30, 3600)
    assert too_short.value.user_message == "That should last from less than a minute to 1h."
    with use("zh-TW"):
        assert error_message(too_short.value) == "時長應在 不到一分鐘 到 1h 之間。"


def test_a_jobs_stored_reason_is_said_in_the_readers_language(db) -> None:
    """Why a job failed or waits is stored as a Text, so each member reads it in their own language; a
    reason stored as plain English before reasons were Texts still reads as written."""
    from renderqueue.jobs import claim_next, fail_job, get_job
    from storage_fixtures import submit

    job = submit(db)
    claim_next(db, "w", loaded_model=None)
    reason = Text.of(N_("Clip #{clip_id} no longer exists."), clip_id=job.clip_id)
    failed = fail_job(db, job.id, reason, retry=False, worker_id="w")
    assert str(failed.reason) == f"Clip #{job.clip_id} no longer exists."
    with use("zh-CN"):
        assert say(get_job(db, job.id).reason) == f"短片 #{job.clip_id} 已不存在。"
    db.execute("UPDATE jobs SET error = 'The GPU melted.' WHERE id = ?", (job.id,))
    with use("zh-CN"):
        assert say(get_job(db, job.id).reason) == "The GPU melted."
