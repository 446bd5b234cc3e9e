"""Property-based fuzzing of the console and the core API (hypothesis): whatever a member types, nothing
crashes, no traceback reaches them, and the database stays consistent. Shared by tests/test_fuzz.py
(a few dozen examples) and benchmarks/fuzz.py (thousands).
"""
from __future__ import annotations

import asyncio
import io
from pathlib import Path

from hypothesis import strategies as st

from bot.console import COMMANDS, ConsoleSession, console_member
from bot.incidents import GENERIC_APOLOGY
from prompts.schema import ShotList
from storage.aio import AsyncDatabase
from storage.db import open_db
from studio.config import Config
from studio.service import Studio

# Values members type where ids, shot numbers, seeds and durations go: digits of every script, signs,
# huge numbers, superscripts, full-width digits, links, hashes, words, emoji.
TRICKY = st.sampled_from([
    "", "0", "-1", "1", "2", "#1", "#2", "clip 1", "²", "١٢", "１２", "1e3", "3.5", "nan", "inf", "9" * 30,
    str(2**63), str(-(2**63) - 1), "0x10", " 1 ", "1,2", "https://discord.com/channels/1/2/3", "abc", "🎬",
    "1h", "90m", "2d", "45s", "0s", "999999999d", "yes", "no", "on", "off", "default", "max_shots", "noir",
    "shot 2: the cat roars", "swap 1 and 3", "reroll", "order 3 1 2", "extend", "remove shot 9",
    "clip\x00.png", "~no-such-user/boat.png",  # paths the OS refuses with ValueError / RuntimeError
    # This round's kinds (issue 28): numbers past Python's 4,300-digit int() limit, bytes that were not
    # UTF-8 (read with surrogateescape), controls, terminal escapes and bidi overrides, other scripts,
    # presets whose frame grid is shorter than a shot, settings naming paths and negative roles.
    "9" * 5000, "٩" * 5000, "#" + "1" * 4400, "caf\udcc3\udca9", "\ud800", "\x1b[2J\x1b]0;x\x07", "\u202eevil",
    "Ελένη", "Łukasz", "דוד", "محمد", "สมชาย", "देव", "tiny-ltx", "tiny-wan2.2", "tiny-cogvideox",
    "default_model ../../etc/passwd", "moderator_roles -1", "allowed_channels 0",
])
# Any code point, lone surrogates included (what surrogateescape makes of bytes that are not UTF-8).
ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=()), max_size=20)
WORD = st.one_of(TRICKY, st.text(min_size=0, max_size=20), ANY_TEXT)
ARGS = st.lists(WORD, max_size=4).map(" ".join)
LINE = st.one_of(
    st.builds(lambda name, args: f"/{name} {args}", st.sampled_from(sorted(COMMANDS) + ["nope"]), ARGS),
    st.builds(lambda name, args: f"/{name} {args}", st.sampled_from(["remix", "settings set", "challenge start",
                                                                     "relay add", "cancel", "forget member"]), ARGS),
    st.text(max_size=60),  # a request
    st.builds(lambda name, model: f"/finalize {name} {model}", st.sampled_from(["1", "2", "3"]),
              st.sampled_from(["tiny-ltx", "tiny-wan2.2", "tiny-cogvideox", "tiny", ""])),
)


# Members whose names no CJK font draws (lineage trees, leaderboards draw them).
MEMBERS = ("alice", "Łukasz Żółć", "สมชาย")
APOLOGY = GENERIC_APOLOGY.split(".")[0]


def typed_lines(max_lines: int) -> st.SearchStrategy[list[tuple[str, str]]]:
    """What the members type in one example: 1..max_lines (member, line) pairs."""
    return st.lists(st.tuples(st.sampled_from(MEMBERS), LINE), min_size=1, max_size=max_lines)


def open_fuzz_studio(home: Path) -> Studio:
    # The tiny model named outright: "auto" would probe for GPUs in a child process (seconds per example)
    # and the fuzzed paths never render.
    config = Config(home=home, default_model="tiny", stills={"first": "off"})
    return Studio(config, AsyncDatabase(config.db_path, lock_wait_s=5))


def check_console_example(home: Path, typed: list[tuple[str, str]]) -> None:
    """One example: a fresh Studio in `home` (an empty folder), each line through its member's console
    session, then the database's invariants. Raises AssertionError naming what broke, or what escaped."""

    async def run() -> None:
        studio = open_fuzz_studio(home)
        sessions = {name: new_session(studio, name) for name in MEMBERS}
        try:
            for name, line in typed:
                await run_lines(sessions[name], [line])
        finally:
            await stop_watchers(*sessions.values())
            await studio.aclose()

    asyncio.run(run())
    problems = invariant_violations(home / "reelbot.sqlite3")
    assert not problems, problems


def invariant_violations(db_path: Path) -> list[str]:
    """What is wrong with the database, in words ([] when consistent)."""
    db = open_db(db_path)  # migrated, even when no line touched the database
    conn = db.conn
    try:
        checks = {
            "a job whose clip is missing": "SELECT COUNT(*) FROM jobs LEFT JOIN clips c ON c.id = jobs.clip_id "
                                           "WHERE c.id IS NULL",
            "a clip without a job": "SELECT COUNT(*) FROM clips WHERE NOT EXISTS "
                                    "(SELECT 1 FROM jobs WHERE jobs.clip_id = clips.id)",
            "a clip with two live jobs": "SELECT COUNT(*) FROM (SELECT clip_id FROM jobs WHERE status IN "
                                         "('queued', 'running') GROUP BY clip_id HAVING COUNT(*) > 1)",
            "a live clip whose job is not": "SELECT COUNT(*) FROM clips c WHERE c.status IN ('queued', 'rendering') "
                                            "AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.clip_id = c.id "
                                            "AND j.status IN ('queued', 'running'))",
            "a live job of a finished clip": "SELECT COUNT(*) FROM jobs j JOIN clips c ON c.id = j.clip_id "
                                             "WHERE j.status IN ('queued', 'running') AND c.status NOT IN "
                                             "('queued', 'rendering')",
            "an accepted request without its clip": "SELECT COUNT(*) FROM requests WHERE status = 'accepted' "
                                                    "AND clip_id IS NULL",
            "a request left half-done": "SELECT COUNT(*) FROM requests WHERE status = 'received'",
            "a rejected request without a reason": "SELECT COUNT(*) FROM requests WHERE status = 'rejected' "
                                                   "AND (error IS NULL OR error = '')",
        }
        problems = [what for what, sql in checks.items() if conn.execute(sql).fetchone()[0]]
        for (stored,) in conn.execute("SELECT shot_list FROM clips"):  # every stored plan reads back
            try:
                ShotList.model_validate_json(stored)
            except ValueError:
                problems.append("a clip whose stored plan no longer validates")
                break
        return problems
    finally:
        db.close()


async def run_lines(session: ConsoleSession, lines: list[str]) -> list[str]:
    """Each line through the console as its user typed it; raises what escapes (a crash)."""
    replies = []
    for line in lines:
        if line.startswith("/as"):
            continue  # identities are switched by the caller, so every example knows who typed what
        reply = await session.handle(line)
        # A bug is now one logged incident and an apology (bot.incidents): the console keeps serving, so an
        # apology is what a crash looks like here.
        assert "Traceback" not in reply and APOLOGY not in reply, (line, reply)
        replies.append(reply)
    return replies


def new_session(studio: Studio, name: str) -> ConsoleSession:
    """A console session whose background output (watched jobs' progress) is kept in memory, unread."""
    return ConsoleSession(studio, console_member(name), out=io.StringIO())


async def stop_watchers(*sessions: ConsoleSession) -> None:
    for session in sessions:
        for task in list(session.watchers):
            task.cancel()
        await asyncio.gather(*session.watchers, return_exceptions=True)
