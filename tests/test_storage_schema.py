from __future__ import annotations

import sqlite3
import threading

import pytest
import sqlite_utils
from storage_fixtures import make_clip

from storage import schema
from storage.db import open_db
from storage.schema import MIGRATIONS, SCHEMA_VERSION, Migration, SchemaTooNew, migrate, schema_version



def test_fresh_database_is_at_latest_version_in_wal_with_foreign_keys(db):
    assert schema_version(db) == SCHEMA_VERSION == len(MIGRATIONS)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    expected = {
        "guilds", "guild_settings", "users", "clips", "renders", "jobs", "model_stats", "workers",
        "challenges", "challenge_entries", "votes", "relay_turns", "scheduled_events",
    }  # fmt: skip
    assert expected <= set(db.table_names())


def test_migrate_is_idempotent(db, db_path):
    before = db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    assert migrate(db) == SCHEMA_VERSION
    open_db(db_path).close()
    assert db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall() == before
    assert schema_version(db) == SCHEMA_VERSION


def _v1_clip(db: sqlite_utils.Database, origin: str | None) -> int:
    """A clip row as the first schema stored it."""
    db.execute("INSERT OR IGNORE INTO users (id, name, created_at) VALUES (1, 'user1', 0)")
    cursor = db.execute(
        "INSERT INTO clips (guild_id, channel_id, author_id, request, shot_list, recipes, model, origin, created_at) "
        "VALUES (10, 20, 1, 'a cat sails the sea', '{}', '[]', 'tiny', ?, 0)",
        (origin,),
    )
    return cursor.lastrowid


def test_upgrade_from_first_version_keeps_data(db_path):
    old = sqlite_utils.Database(sqlite3.connect(str(db_path)))
    assert migrate(old, target=1) == 1
    assert "challenges" not in old.table_names()
    console = _v1_clip(old, None)
    discord = _v1_clip(old, '{"transport": "discord", "channel_id": 20}')
    broken = _v1_clip(old, "not json")
    old.conn.commit()
    old.close()

    db = open_db(db_path)
    assert schema_version(db) == SCHEMA_VERSION
    assert "challenges" in db.table_names()
    assert db.execute("SELECT request FROM clips WHERE id = ?", (console,)).fetchone()[0] == "a cat sails the sea"
    transports = dict(db.execute("SELECT id, transport FROM clips").fetchall())
    assert transports == {console: "console", discord: "discord", broken: "console"}


def test_database_from_newer_reelbot_is_refused(db, db_path):
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(SchemaTooNew):
        open_db(db_path)


def test_failed_migration_leaves_previous_version(db, monkeypatch):
    broken = Migration("broken", ("CREATE TABLE half_done (id INTEGER)", "THIS IS NOT SQL"))
    monkeypatch.setattr(schema, "MIGRATIONS", (*MIGRATIONS, broken))
    with pytest.raises(sqlite3.OperationalError):
        migrate(db)
    assert schema_version(db) == SCHEMA_VERSION
    assert "half_done" not in db.table_names()


def test_concurrent_first_opens_migrate_once(tmp_path):
    path = tmp_path / "race.sqlite3"
    errors: list[BaseException] = []

    def opener() -> None:
        try:
            open_db(path).close()
        except BaseException as error:  # noqa: BLE001 - collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=opener) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert schema_version(open_db(path)) == SCHEMA_VERSION


def test_remix_parent_must_exist(db):
    with pytest.raises(sqlite3.IntegrityError):
        make_clip(db, parent_id=9999)
