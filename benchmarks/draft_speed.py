"""Draft speed: the work a draft does against its preset's final, on the tiny twins, in one run.

For every real preset with a fast path, the tiny twin of its family renders the same shot twice: on the
real preset's final schedule (its steps and CFG) and on the draft path's own schedule, through the very
code the real preset uses (PipelineCache, render_shot; FastWan's DMD sampler, the distilled LoRAs, the cache
hooks). What is compared is work, not tiny-model seconds: transformer block evaluations, counted inside each
block (generation.block_count), so blocks a cache hook skips count as skipped; wall times are printed beside.

- distilled paths (a distilled preset, or a distilled LoRA): target <= 0.12 of the final's block evaluations
  (3-4 steps without CFG against 50 with CFG is ~0.04);
- cache-hook paths (the preset's own sampler at draft steps, blocks skipped): target <= 0.6.

The tiny twins have 1-2 blocks where the real models have 28-30: FirstBlockCache always runs the first block,
so its tiny ratio is an upper bound of the real one. Real-config GPU figures: benchmarks/gpu_check.py.

    python benchmarks/draft_speed.py            # ~1-2 min on 2 cores
    python benchmarks/draft_speed.py --steps 10 # a quicker final schedule

Last lines: `cache_forward_ratio=<max over cache paths>`, then `draft_forward_ratio=<max over distilled paths>`.
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import tempfile
import time
from pathlib import Path

from generation.block_count import counting
from generation.fast_paths import DRAFT_PATHS, FAST_PATHS, FastPath
from generation.pipelines import PipelineCache, use_available_cores
from generation.recipe import ShotRender
from generation.registry import get_preset
from generation.render import render_shot

# The tiny twin of each real preset (its family and VAE); a distilled preset's twin is the tiny distilled one.
TWINS = {"wan-1.3b": "tiny-wan", "wan2.2-ti2v-5b": "tiny-wan2.2", "ltx-video": "tiny-ltx",
         "cogvideox-2b": "tiny-cogvideox", "fastwan2.2-ti2v-5b": "tiny-fastwan2.2"}  # fmt: skip
# The distilled LoRAs are the twins of the LightX2V path; each runs against its family's real final schedule.
LORA_FINALS = {"tiny-wan-distill-lora": "wan-1.3b", "tiny-ltx-distill-lora": "ltx-video",
               "tiny-cogvideox-distill-lora": "cogvideox-2b"}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Case:
    """One comparison: `real` preset's final schedule against its fast path `shown`, both on the tiny twin
    `twin`, the path as `path` (a distilled preset's twin is the tiny distilled preset)."""

    real: str
    shown: str
    path: FastPath
    twin: str


def cases() -> list[Case]:
    def twin_path(name: str) -> FastPath:
        path = FAST_PATHS[name]
        return FAST_PATHS[TWINS[name]] if path.kind == "distilled" else path

    found = [Case(real, name, twin_path(name), TWINS[real]) for real in TWINS if real in DRAFT_PATHS
             for name in DRAFT_PATHS[real]]  # fmt: skip
    found += [Case(real, name, FAST_PATHS[name], TWINS[real]) for name, real in LORA_FINALS.items()]
    return found


def schedule(case: Case, final_steps: int | None) -> tuple[ShotRender, ShotRender]:
    """The final and the draft of one shot of `case.real`, as the twin renders them: the real preset's steps
    (or `final_steps`) and CFG for the final; the path's own schedule, or a cache hook at draft steps."""
    real = get_preset(case.real)
    shot = dataclasses.replace(get_preset(case.twin).recipe("a red fox runs through the snow", "", seed=5),
                               steps=final_steps or real.steps, guidance=real.guidance)  # fmt: skip
    draft = dataclasses.replace(shot, quality="draft", fast_path=case.path.name,
                                steps=case.path.steps or max(real.min_steps, shot.steps // 2),
                                guidance=real.guidance if case.path.guidance is None else case.path.guidance)
    return shot, draft


def measure(case: Case, cache: PipelineCache, final_steps: int | None) -> tuple[int, float, int, float]:
    """(final blocks, final s, draft blocks, draft s) of one shot on the twin."""
    final, draft = schedule(case, final_steps)
    distilled = cache.get(case.path.source or "") if case.path.kind == "distilled" else None
    transformers = [cache.get(case.twin).transformer] + ([distilled.transformer] if distilled else [])
    with counting(*transformers) as blocks:
        final_s = _timed(final, cache)
        final_blocks, _ = blocks.count, blocks.reset()
        draft_s = _timed(draft, cache)
    return final_blocks, final_s, blocks.count, draft_s


def _schedule(recipe: ShotRender) -> str:
    return f"{recipe.steps} st " + (f"CFG {recipe.guidance:g}" if recipe.guidance > 1 else "no CFG")


def _timed(recipe: ShotRender, cache: PipelineCache) -> float:
    started = time.perf_counter()
    render_shot(recipe, cache)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=None, help="final steps (default: each real preset's own)")
    parser.add_argument("--models", type=Path, default=None, help="models folder (default: a temporary one)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    use_available_cores()
    with tempfile.TemporaryDirectory(prefix="reelbot-draft-speed-") as scratch:
        cache = PipelineCache(args.models or Path(scratch), device="cpu", max_loaded=5)
        print(f"{'real preset':<15} {'fast path':<28} {'kind':<9} {'final':>13} {'draft':>13} {'blocks':>7} "
              f"{'final s':>8} {'draft s':>8}")  # fmt: skip
        ratios: dict[str, list[float]] = {"distilled": [], "cache": []}
        for case in cases():
            final_blocks, final_s, draft_blocks, draft_s = measure(case, cache, args.steps)
            ratio = draft_blocks / final_blocks
            ratios["cache" if case.path.kind == "cache" else "distilled"].append(ratio)
            final, draft = schedule(case, args.steps)
            print(f"{case.real:<15} {case.shown:<28} {case.path.kind:<9} {_schedule(final):>13} "
                  f"{_schedule(draft):>13} {ratio:>7.3f} {final_s:>8.2f} {draft_s:>8.2f}")
    print("targets: distilled paths <= 0.12 of the final's block evaluations, cache-hook paths <= 0.6")
    print(f"cache_forward_ratio={max(ratios['cache']):.3f}")
    print(f"draft_forward_ratio={max(ratios['distilled']):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
