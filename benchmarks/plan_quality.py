"""Plan quality: the share of the evaluation table's requests whose plan meets every property.

The table (tests/plan_cases.py, tests/plan_cases_world.py) holds casual requests in the eleven languages with
data files (en, zh-CN, zh-TW, es, fr, ja, de, ko, ru, pt, it), each with what a faithful plan must do: shot
count, total within 10%, aspect, style in the bible, no option phrase in any prompt or the title, every
content word kept, beats in order, no filler; the title a well-formed name in the request's language (2-6
words, 2-12 characters in Chinese and Japanese, never cut mid-phrase); no fragment in the characters; what the
request keeps out in every negative prompt and in no prompt; and film: a single-beat request of 3 shots or
more that names a setting, object or action besides its subject gets shots that each show something of their
own. Target: 1.00.

    python benchmarks/plan_quality.py                 # the rule-based planner (the default without an LLM)
    python benchmarks/plan_quality.py --llm openai    # any configured backend (REELBOT_LLM_URL etc.)
    python benchmarks/plan_quality.py -v              # print every miss

The last line is `plan_quality=<share>`.
"""
from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from plan_cases import CASES  # noqa: E402

from prompts.expand import BACKENDS, build_expander  # noqa: E402
from prompts.plan_check import check_plan  # noqa: E402
from studio.config import load_config  # noqa: E402


async def run(backend: str | None, verbose: bool) -> float:
    config = load_config(None).expander
    if backend:
        config = dataclasses.replace(config, backend=backend)
    expander = build_expander(config)
    met = 0
    for case in CASES:
        plan = await expander.expand(case.request)
        failures = check_plan(case, plan)
        met += not failures
        if failures and verbose:
            print(f"MISS {case.request!r}: {'; '.join(failures)}")
    print(f"{met}/{len(CASES)} requests planned faithfully by the {plan.backend} planner")
    return met / len(CASES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", choices=BACKENDS, help="expander backend (default: the configured one)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    share = asyncio.run(run(args.llm, args.verbose))
    print(f"plan_quality={share:.2f}")


if __name__ == "__main__":
    main()
