"""Long property-based fuzzing run of the console and the core API (the quick variant is tests/test_fuzz.py).

Each example is a few console lines typed by three members (names in scripts no CJK font draws; requests,
remixes, finalizes onto presets of other frame grids, cancels, settings, challenges, forget, with tricky ids,
numbers past 4,300 digits, bytes that were not UTF-8, controls and free text) against a fresh database; after
each, the database's invariants are checked (tests/fuzzing.py: no orphan job, no clip without a job,
no half-done request, live jobs and clips agree). Hypothesis stops at the first failure and shrinks it,
so `failures` is 0 or 1, with the smallest failing input printed.

    python benchmarks/fuzz.py --examples 10000
"""
from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fuzzing import check_console_example, typed_lines  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=10000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    ran = 0

    @settings(max_examples=args.examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(typed_lines(max_lines=6))
    def example(typed: list[tuple[str, str]]) -> None:
        nonlocal ran
        ran += 1
        with tempfile.TemporaryDirectory() as home:
            check_console_example(Path(home), typed)

    started = time.perf_counter()
    failures = 0
    try:
        example()
    except Exception as error:  # hypothesis re-raises the shrunk failure, the falsifying example in its notes
        failures = 1
        print("".join(traceback.format_exception(error))[-4000:], file=sys.stderr)
    print(f"examples run: {ran} in {time.perf_counter() - started:.0f}s")
    print(f"fuzz_failures={failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
