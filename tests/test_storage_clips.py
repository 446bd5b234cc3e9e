from __future__ import annotations

import pytest
from storage_fixtures import SHOT_LIST, make_clip, tiny_recipe

from storage.clips import ancestors, children, delete_clip, get_clip, list_clips, set_clip_recipes, set_posted_message
from common.errors import NotFound
from storage.renders import cached_hashes, lookup_render, record_render
from storage.users import get_user, remix_opted_out, set_remix_opt_out, upsert_user



def test_clip_round_trips_json_fields_and_registers_author(db):
    clip = make_clip(db, author_id=42, recipes=[tiny_recipe(0), tiny_recipe(1)])
    loaded = get_clip(db, clip.id)
    assert loaded == clip
    assert loaded.shot_list == SHOT_LIST
    assert [r["prompt"] for r in loaded.recipes] == ["shot 0: a cat on a boat", "shot 1: a cat on a boat"]
    assert loaded.captions == ["1. shot", "2. shot"]
    assert loaded.status == "queued" and loaded.video_path is None
    assert get_user(db, 42).name == "user42"

    set_clip_recipes(db, clip.id, [tiny_recipe(5)])
    set_posted_message(db, clip.id, 999)
    changed = get_clip(db, clip.id)
    assert changed.recipes == [tiny_recipe(5)] and changed.posted_message_id == 999


def test_lineage_walks_parents_and_lists_remixes(db):
    original = make_clip(db, author_id=1)
    remix = make_clip(db, author_id=2, parent_id=original.id, remix_kind="restyle")
    remix_of_remix = make_clip(db, author_id=3, parent_id=remix.id, remix_kind="extend")
    sibling = make_clip(db, author_id=4, parent_id=original.id, remix_kind="recut")

    assert [c.id for c in ancestors(db, remix_of_remix.id)] == [remix.id, original.id]
    assert [(c.author_id, c.remix_kind) for c in ancestors(db, remix_of_remix.id)] == [(2, "restyle"), (1, None)]
    assert [c.id for c in children(db, original.id)] == [remix.id, sibling.id]
    assert ancestors(db, original.id) == []


def test_deleted_clips_are_hidden_but_keep_lineage(db):
    original = make_clip(db)
    remix = make_clip(db, parent_id=original.id, remix_kind="restyle")
    delete_clip(db, original.id)
    with pytest.raises(NotFound):
        get_clip(db, original.id)
    assert [c.id for c in ancestors(db, remix.id)] == [original.id]
    assert [c.id for c in list_clips(db, guild_id=10)] == [remix.id]


def test_list_clips_filters_and_pages_newest_first(db):
    ids = [make_clip(db, author_id=1 + i % 2, guild_id=10).id for i in range(5)]
    make_clip(db, guild_id=11)
    assert [c.id for c in list_clips(db, guild_id=10, limit=3)] == ids[::-1][:3]
    assert [c.id for c in list_clips(db, guild_id=10, before_id=ids[2])] == [ids[1], ids[0]]
    assert [c.id for c in list_clips(db, guild_id=10, author_id=2)] == [ids[3], ids[1]]


def test_users_keep_preferences_when_renamed(db):
    upsert_user(db, 5, "old name")
    set_remix_opt_out(db, 5, True)
    upsert_user(db, 5, "new name")
    user = get_user(db, 5)
    assert user.name == "new name" and user.remix_opt_out
    assert remix_opted_out(db, 5) and not remix_opted_out(db, 6)


def test_render_cache_hits_only_while_the_file_exists(db, tmp_path):
    shot = tmp_path / "shot.mp4"
    shot.write_bytes(b"video")
    record_render(db, "abc", shot, model="tiny", gpu_seconds=1.5)
    assert lookup_render(db, "abc").gpu_seconds == 1.5
    assert lookup_render(db, "abc").hits == 1  # the row as it was before this second hit
    assert cached_hashes(db, ["abc", "nope"]) == {"abc"}
    shot.unlink()
    assert lookup_render(db, "abc") is None
    assert db.execute("SELECT COUNT(*) FROM renders").fetchone()[0] == 0
