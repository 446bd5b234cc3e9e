"""The one schema, as ordered migrations; PRAGMA user_version records how many have been applied.

Never edit a released migration: append a new one. Each migration runs in the same transaction as the
user_version bump, so a crash mid-migration leaves the database at the previous version.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from storage.transactions import transaction


@dataclass(frozen=True)
class Migration:
    """One step of the schema: SQL `statements` run in one transaction with the version bump."""

    name: str
    statements: tuple[str, ...]


_CORE = Migration(
    "core: guilds, settings, users, clips, renders, jobs, model stats, workers",
    (
        """CREATE TABLE guilds (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL
        )""",
        # Settings are sparse overrides of typed defaults (storage/settings.py); value is JSON.
        """CREATE TABLE guild_settings (
            guild_id INTEGER NOT NULL REFERENCES guilds(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            updated_by INTEGER,
            updated_at REAL NOT NULL,
            PRIMARY KEY (guild_id, key)
        )""",
        """CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            remix_opt_out INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL
        )""",
        # guild/channel/author ids are transport ids (Discord snowflakes, or 0 for the console), so they
        # carry no foreign keys; lineage (parent_id) does.
        """CREATE TABLE clips (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            guild_id INTEGER,
            channel_id INTEGER,
            author_id INTEGER NOT NULL,
            author_name TEXT NOT NULL DEFAULT '',
            request TEXT NOT NULL,
            shot_list TEXT NOT NULL,
            recipes TEXT NOT NULL,
            captions TEXT NOT NULL DEFAULT '[]',
            model TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'rendering', 'ready', 'failed', 'cancelled', 'deleted')),
            video_path TEXT,
            storyboard_path TEXT,
            parent_id INTEGER REFERENCES clips(id) ON DELETE SET NULL,
            remix_kind TEXT,
            remix_note TEXT,
            origin TEXT,
            posted_message_id INTEGER,
            created_at REAL NOT NULL
        )""",
        "CREATE INDEX clips_guild ON clips(guild_id, created_at)",
        "CREATE INDEX clips_author ON clips(author_id, created_at)",
        "CREATE INDEX clips_parent ON clips(parent_id)",
        """CREATE TABLE renders (
            recipe_hash TEXT PRIMARY KEY,
            path TEXT NOT NULL,
            model TEXT NOT NULL,
            gpu_seconds REAL NOT NULL,
            hits INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL
        )""",
        """CREATE TABLE jobs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            clip_id INTEGER NOT NULL REFERENCES clips(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL,
            guild_id INTEGER,
            model TEXT NOT NULL,
            priority INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
            attempts INTEGER NOT NULL DEFAULT 0,
            max_attempts INTEGER NOT NULL DEFAULT 3,
            progress REAL NOT NULL DEFAULT 0,
            stage TEXT NOT NULL DEFAULT '',
            worker_id TEXT,
            heartbeat_at REAL,
            error TEXT,
            error_detail TEXT,
            cost_estimate REAL NOT NULL DEFAULT 0,
            bypassed INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            started_at REAL,
            finished_at REAL,
            notified_at REAL
        )""",
        "CREATE INDEX jobs_status ON jobs(status, priority, created_at)",
        "CREATE INDEX jobs_user ON jobs(user_id, status)",
        "CREATE INDEX jobs_user_started ON jobs(user_id, started_at)",
        "CREATE INDEX jobs_guild ON jobs(guild_id, status)",
        "CREATE INDEX jobs_unnotified ON jobs(finished_at) WHERE notified_at IS NULL AND finished_at IS NOT NULL",
        # A clip is rendered by at most one live job, so a double-submitted request cannot render twice.
        "CREATE UNIQUE INDEX jobs_one_active_per_clip ON jobs(clip_id) WHERE status IN ('queued', 'running')",
        """CREATE TABLE model_stats (
            model TEXT PRIMARY KEY,
            seconds_per_unit REAL,
            load_seconds REAL,
            samples INTEGER NOT NULL DEFAULT 0,
            updated_at REAL NOT NULL
        )""",
        """CREATE TABLE workers (
            id TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            loaded_model TEXT,
            job_id INTEGER,
            started_at REAL NOT NULL,
            heartbeat_at REAL NOT NULL
        )""",
    ),
)

_COMMUNITY = Migration(
    "community: challenges, entries, votes, relay turns, scheduled events",
    (
        """CREATE TABLE challenges (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            guild_id INTEGER NOT NULL,
            channel_id INTEGER NOT NULL,
            theme TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('vote', 'relay')),
            rules TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'voting', 'closed', 'cancelled')),
            starts_at REAL NOT NULL,
            ends_at REAL,
            announcement_message_id INTEGER,
            created_by INTEGER NOT NULL,
            created_at REAL NOT NULL
        )""",
        "CREATE INDEX challenges_guild ON challenges(guild_id, status)",
        """CREATE TABLE challenge_entries (
            challenge_id INTEGER NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL,
            clip_id INTEGER NOT NULL REFERENCES clips(id) ON DELETE CASCADE,
            submitted_at REAL NOT NULL,
            PRIMARY KEY (challenge_id, user_id)
        )""",
        """CREATE TABLE votes (
            challenge_id INTEGER NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
            voter_id INTEGER NOT NULL,
            clip_id INTEGER NOT NULL REFERENCES clips(id) ON DELETE CASCADE,
            voted_at REAL NOT NULL,
            PRIMARY KEY (challenge_id, voter_id)
        )""",
        """CREATE TABLE relay_turns (
            challenge_id INTEGER NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            user_id INTEGER NOT NULL,
            text TEXT NOT NULL,
            clip_id INTEGER REFERENCES clips(id) ON DELETE SET NULL,
            created_at REAL NOT NULL,
            PRIMARY KEY (challenge_id, position)
        )""",
        # Deadlines live here rather than in asyncio timers so they still fire after a restart.
        """CREATE TABLE scheduled_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            due_at REAL NOT NULL,
            payload TEXT NOT NULL DEFAULT '{}',
            fired_at REAL
        )""",
        "CREATE INDEX scheduled_events_due ON scheduled_events(due_at) WHERE fired_at IS NULL",
    ),
)

_REQUESTS = Migration(
    "requests: what members typed, stored before expansion so a crash mid-request loses nothing",
    (
        """CREATE TABLE requests (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            guild_id INTEGER,
            channel_id INTEGER,
            user_id INTEGER NOT NULL,
            user_name TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            options TEXT NOT NULL DEFAULT '{}',
            origin TEXT,
            status TEXT NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'accepted', 'rejected')),
            clip_id INTEGER REFERENCES clips(id) ON DELETE SET NULL,
            error TEXT,
            created_at REAL NOT NULL
        )""",
        "CREATE INDEX requests_unfinished ON requests(status) WHERE status = 'received'",
    ),
)

# Which front-end a request came through and delivers its clip ("discord", "console", ...): a column, so
# each front-end finds its own work with an index instead of reading JSON inside SQL.
_TRANSPORT = Migration(
    "transport: the front-end of each request and clip",
    (
        "ALTER TABLE clips ADD COLUMN transport TEXT NOT NULL DEFAULT 'console'",
        "ALTER TABLE requests ADD COLUMN transport TEXT NOT NULL DEFAULT 'console'",
        "UPDATE clips SET transport = json_extract(origin, '$.transport') "
        "WHERE json_valid(origin) AND json_extract(origin, '$.transport') IS NOT NULL",
        "UPDATE requests SET transport = json_extract(origin, '$.transport') "
        "WHERE json_valid(origin) AND json_extract(origin, '$.transport') IS NOT NULL",
        "CREATE INDEX clips_transport ON clips(transport)",
    ),
)

# A cached render carries its file's checksum, so a truncated or overwritten file is noticed on reuse.
_RENDER_CHECKSUMS = Migration(
    "render checksums: the sha256 of each cached shot file",
    ("ALTER TABLE renders ADD COLUMN sha256 TEXT",),
)

# A change log of what the scheduler reads, so each process keeps the queue in memory and re-reads only the
# jobs that changed (renderqueue/queue_state.py): every insert, and every update of a column the scheduler
# decides on, stamps the job with the next `queue_clock.seq`; heartbeats and progress writes don't. A
# deleted job can't be stamped, so deletes are counted and make readers reload the queue whole.
_QUEUE_CLOCK_COLUMNS = "status, user_id, model, priority, created_at, cost_estimate, bypassed, started_at"
_QUEUE_CLOCK = Migration(
    "queue clock: a change stamp on the jobs the scheduler reads",
    (
        "ALTER TABLE jobs ADD COLUMN queue_seq INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX jobs_queue_seq ON jobs(queue_seq)",
        """CREATE TABLE queue_clock (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            seq INTEGER NOT NULL,
            deletes INTEGER NOT NULL
        )""",
        "INSERT INTO queue_clock (id, seq, deletes) VALUES (1, 0, 0)",
        """CREATE TRIGGER jobs_queue_insert AFTER INSERT ON jobs BEGIN
            UPDATE queue_clock SET seq = seq + 1 WHERE id = 1;
            UPDATE jobs SET queue_seq = (SELECT seq FROM queue_clock WHERE id = 1) WHERE id = NEW.id;
        END""",
        f"""CREATE TRIGGER jobs_queue_update AFTER UPDATE OF {_QUEUE_CLOCK_COLUMNS} ON jobs BEGIN
            UPDATE queue_clock SET seq = seq + 1 WHERE id = 1;
            UPDATE jobs SET queue_seq = (SELECT seq FROM queue_clock WHERE id = 1) WHERE id = NEW.id;
        END""",
        """CREATE TRIGGER jobs_queue_delete AFTER DELETE ON jobs BEGIN
            UPDATE queue_clock SET seq = seq + 1, deletes = deletes + 1 WHERE id = 1;
        END""",
    ),
)

# A worker that vanishes mid-render (kill -9, a lost host) is no failure of its job: counted apart from
# attempts (renderqueue.jobs.requeue_stale).
_VANISHED = Migration(
    "vanished: how often a job's worker vanished mid-render",
    ("ALTER TABLE jobs ADD COLUMN vanished INTEGER NOT NULL DEFAULT 0",),
)

# Exactly-once posting (storage/deliveries.py): a delivery's key, recorded before the first send.
_DELIVERIES = Migration(
    "deliveries: the nonce and start of each job's delivery",
    ("""CREATE TABLE deliveries (
            job_id INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
            nonce TEXT NOT NULL,
            started_at REAL NOT NULL
        )""",),
)

# A cast of their own (storage/cast.py, storage/cast_uses.py): characters a member owns in the server they
# were made in, their names and aliases (one key space per server, so a name or alias means one character
# there), their reference pictures, which clips feature them (the credit outlives the character), and the
# owners' approvals a request waits for ("ask me" consent). Waiting is a request state of its own, so a
# restart neither plans a waiting request nor loses it; SQLite can't widen a CHECK, so the requests table
# is rebuilt with the same columns.
_REQUEST_COLUMNS = ("id, kind, guild_id, channel_id, user_id, user_name, text, options, origin, status, clip_id, "
                    "error, created_at, transport")
_CAST = Migration(
    "cast: characters, their names, pictures and uses, owners' approvals; requests may wait for them",
    (
        """CREATE TABLE requests_with_waiting (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            guild_id INTEGER,
            channel_id INTEGER,
            user_id INTEGER NOT NULL,
            user_name TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            options TEXT NOT NULL DEFAULT '{}',
            origin TEXT,
            status TEXT NOT NULL DEFAULT 'received'
                CHECK (status IN ('received', 'waiting', 'accepted', 'rejected')),
            clip_id INTEGER REFERENCES clips(id) ON DELETE SET NULL,
            error TEXT,
            created_at REAL NOT NULL,
            transport TEXT NOT NULL DEFAULT 'console'
        )""",
        f"INSERT INTO requests_with_waiting ({_REQUEST_COLUMNS}) SELECT {_REQUEST_COLUMNS} FROM requests",
        "DROP TABLE requests",
        "ALTER TABLE requests_with_waiting RENAME TO requests",
        "CREATE INDEX requests_unfinished ON requests(status) WHERE status = 'received'",
        # guild_id: the server the character was made in (0: the console); it belongs there.
        """CREATE TABLE characters (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            guild_id INTEGER NOT NULL,
            owner_id INTEGER NOT NULL,
            owner_name TEXT NOT NULL DEFAULT '',
            name TEXT NOT NULL,
            description TEXT NOT NULL,
            consent TEXT NOT NULL DEFAULT 'server' CHECK (consent IN ('server', 'ask', 'owner')),
            notify INTEGER NOT NULL DEFAULT 1,
            status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deleted')),
            deleted_by INTEGER,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        )""",
        "CREATE INDEX characters_guild ON characters(guild_id, status)",
        "CREATE INDEX characters_owner ON characters(owner_id, status)",
        # The name (position 0) and aliases of active characters, by normalised key: unique per server.
        """CREATE TABLE character_names (
            guild_id INTEGER NOT NULL,
            key TEXT NOT NULL,
            character_id INTEGER NOT NULL REFERENCES characters(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            position INTEGER NOT NULL,
            PRIMARY KEY (guild_id, key)
        )""",
        "CREATE INDEX character_names_character ON character_names(character_id, position)",
        """CREATE TABLE character_pictures (
            character_id INTEGER NOT NULL REFERENCES characters(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            path TEXT NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            PRIMARY KEY (character_id, position)
        )""",
        # No foreign key to characters: a clip keeps its credit after the character is deleted.
        """CREATE TABLE clip_cast (
            clip_id INTEGER NOT NULL REFERENCES clips(id) ON DELETE CASCADE,
            character_id INTEGER NOT NULL,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            description TEXT NOT NULL,
            owner_id INTEGER NOT NULL,
            owner_name TEXT NOT NULL,
            home_guild_id INTEGER NOT NULL,
            shots TEXT NOT NULL DEFAULT '[]',
            conditioned INTEGER NOT NULL DEFAULT 0,
            owner_told_at REAL,
            PRIMARY KEY (clip_id, character_id)
        )""",
        "CREATE INDEX clip_cast_character ON clip_cast(character_id)",
        "CREATE INDEX clip_cast_untold ON clip_cast(clip_id) WHERE owner_told_at IS NULL",
        """CREATE TABLE cast_approvals (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            request_id INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
            owner_id INTEGER NOT NULL,
            owner_name TEXT NOT NULL DEFAULT '',
            character_ids TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'approved', 'declined', 'expired')),
            created_at REAL NOT NULL,
            due_at REAL NOT NULL,
            prompted_at REAL,
            prompt_channel_id INTEGER,
            prompt_message_id INTEGER,
            decided_at REAL,
            told_at REAL
        )""",
        "CREATE INDEX cast_approvals_request ON cast_approvals(request_id)",
        "CREATE INDEX cast_approvals_open ON cast_approvals(status, due_at) WHERE told_at IS NULL",
    ),
)

# Storyboard first (storage/stills.py): a request's stills, rendered by a job of kind 'stills' ahead of
# video work, then edited, re-rolled, picked and approved shot by shot before its clip job animates them.
_STILLS = Migration(
    "stills: storyboards awaiting approval, their stills, and the kind of each job",
    (
        "ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'clip' CHECK (kind IN ('clip', 'stills'))",
        """CREATE TABLE storyboards (
            clip_id INTEGER PRIMARY KEY REFERENCES clips(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL,
            guild_id INTEGER,
            mode TEXT NOT NULL CHECK (mode IN ('ask', 'auto')),
            status TEXT NOT NULL DEFAULT 'stills'
                CHECK (status IN ('stills', 'ready', 'animating', 'cancelled')),
            quality TEXT NOT NULL DEFAULT 'final' CHECK (quality IN ('final', 'draft')),
            takes INTEGER NOT NULL DEFAULT 1,
            grace_s REAL NOT NULL DEFAULT 0,
            board_path TEXT,
            animate_at REAL,
            updated_at REAL NOT NULL
        )""",
        "CREATE INDEX storyboards_due ON storyboards(animate_at) WHERE status = 'ready' AND mode = 'auto'",
        "CREATE INDEX storyboards_user ON storyboards(user_id, guild_id)",
        """CREATE TABLE stills (
            clip_id INTEGER NOT NULL REFERENCES clips(id) ON DELETE CASCADE,
            shot INTEGER NOT NULL,
            take INTEGER NOT NULL,
            recipe TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'ready', 'failed')),
            picked INTEGER NOT NULL DEFAULT 0,
            path TEXT,
            error TEXT,
            PRIMARY KEY (clip_id, shot, take)
        )""",
    ),
)

# What the bot's messages show (storage/posts.py): every message it posts or keeps up (a status message, a
# clip's post, results, a relay's film, an announcement, a remix notice) with the members it names, quotes or
# shows, so forgetting a member finds each one to edit or take down. Clip posts made before are recorded
# from clips.posted_message_id. Members also get the language the bot last heard them in and whether they
# want a private notice when their clip is remixed.
_POSTS = Migration(
    "posts: the bot's messages and the members each shows; members' language and remix notices",
    (
        """CREATE TABLE posts (
            message_id INTEGER PRIMARY KEY,
            channel_id INTEGER NOT NULL,
            guild_id INTEGER,
            kind TEXT NOT NULL,
            subject_id INTEGER NOT NULL,
            detail TEXT NOT NULL DEFAULT '{}',
            created_at REAL NOT NULL
        )""",
        "CREATE INDEX posts_subject ON posts(kind, subject_id)",
        """CREATE TABLE post_members (
            message_id INTEGER NOT NULL REFERENCES posts(message_id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL,
            PRIMARY KEY (message_id, user_id)
        )""",
        "CREATE INDEX post_members_user ON post_members(user_id)",
        "INSERT OR IGNORE INTO posts (message_id, channel_id, guild_id, kind, subject_id, created_at) "
        "SELECT posted_message_id, channel_id, guild_id, 'clip', id, created_at FROM clips "
        "WHERE posted_message_id IS NOT NULL AND channel_id IS NOT NULL AND transport = 'discord'",
        "INSERT OR IGNORE INTO post_members (message_id, user_id) SELECT posted_message_id, author_id FROM clips "
        "WHERE posted_message_id IN (SELECT message_id FROM posts)",
        "ALTER TABLE users ADD COLUMN language TEXT",
        "ALTER TABLE users ADD COLUMN remix_notices INTEGER NOT NULL DEFAULT 1",
    ),
)

MIGRATIONS: tuple[Migration, ...] = (
    _CORE, _COMMUNITY, _REQUESTS, _TRANSPORT, _RENDER_CHECKSUMS, _QUEUE_CLOCK, _VANISHED, _DELIVERIES, _CAST,
    _STILLS, _POSTS,
)
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNew(RuntimeError):
    """The database was written by a newer Reelbot; running old code on it could corrupt it."""


def schema_version(db: sqlite_utils.Database) -> int:
    """How many migrations the database has had (PRAGMA user_version)."""
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database, *, target: int | None = None) -> int:
    """Apply pending migrations up to `target` (default: all); safe to run from several processes at once."""
    latest = len(MIGRATIONS)
    target = latest if target is None else target
    # Up to date (every open but the first): no write lock, so opening a connection never waits on, or
    # fails under, another program's long write lock.
    version = schema_version(db)
    if target <= version <= latest:
        return version
    # The immediate transaction serialises concurrent openers; the version is re-read under the lock.
    with transaction(db):
        version = schema_version(db)
        if version > latest:
            raise SchemaTooNew(f"database schema v{version} is newer than this Reelbot (v{latest}); upgrade Reelbot")
        for number in range(version + 1, target + 1):
            for statement in MIGRATIONS[number - 1].statements:
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number}")
        return max(version, target)
