"""Property-based fuzzing, quick variant (the long one: benchmarks/fuzz.py)."""
from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.errors import ReelbotError
from fuzzing import LINE, TRICKY, invariant_violations, new_session, open_fuzz_studio, run_lines, stop_watchers
from studio import converters


@settings(max_examples=40, deadline=None)
@given(st.one_of(TRICKY, st.text(max_size=30), st.integers()))
def test_converters_accept_or_refuse_cleanly(value):
    for convert in (converters.to_id, converters.to_seed, converters.to_shot_number,
                    lambda v: converters.to_duration_s(str(v), 60, 86400),
                    lambda v: converters.to_bool(v if isinstance(v, str) else str(v), "x")):
        try:
            convert(value)
        except ReelbotError as error:
            assert error.code and error.user_message


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["alice", "bob"]), LINE), min_size=1, max_size=4))
def test_console_lines_never_crash_and_keep_the_database_consistent(tmp_path_factory, typed):
    home = tmp_path_factory.mktemp("fuzz")

    async def run() -> None:
        studio = open_fuzz_studio(home)
        sessions = {name: new_session(studio, name) for name in ("alice", "bob")}
        try:
            for name, line in typed:
                await run_lines(sessions[name], [line])
        finally:
            await stop_watchers(*sessions.values())
            await studio.aclose()

    asyncio.run(run())
    assert invariant_violations(home / "reelbot.sqlite3") == []
