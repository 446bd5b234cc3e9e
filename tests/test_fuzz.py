"""Property-based fuzzing, quick variant (the long one: benchmarks/fuzz.py)."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.errors import ReelbotError
from fuzzing import TRICKY, check_console_example, typed_lines
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
@given(typed_lines(max_lines=4))
def test_console_lines_never_crash_and_keep_the_database_consistent(tmp_path_factory, typed):
    check_console_example(tmp_path_factory.mktemp("fuzz"), typed)
