"""Counting transformer block evaluations: the work a render really did, whatever skipped some of it.

A step costs its transformer's blocks times the passes (two with CFG); a cache hook that skips blocks, a
distilled schedule with fewer steps, a LoRA without CFG all show up as fewer block evaluations. The counter
is a diffusers ModelHook on each block registered *before* any cache hook, so it sits innermost: it counts
only when the block's own forward runs, not when FirstBlockCache or TaylorSeer answer in its place.
"""
from __future__ import annotations

import contextlib
from typing import Any, Iterator

_HOOK = "reelbot_block_count"
# Where diffusers' video transformers keep their repeated blocks (hooks/_common.py names the same lists).
_BLOCK_LISTS = ("blocks", "transformer_blocks")


class BlockCounter:
    """`count`: block evaluations since the counter was attached or last `reset`."""

    def __init__(self) -> None:
        self.count = 0

    def reset(self) -> None:
        self.count = 0


def _blocks(transformer: Any) -> list[Any]:
    import torch

    for name in _BLOCK_LISTS:
        blocks = getattr(transformer, name, None)
        if isinstance(blocks, torch.nn.ModuleList):
            return list(blocks)
    raise ValueError(f"{type(transformer).__name__} has no block list ({', '.join(_BLOCK_LISTS)})")


@contextlib.contextmanager
def counting(transformer: Any) -> Iterator[BlockCounter]:
    """Count `transformer`'s block evaluations within the block. Attach it before enabling a cache hook."""
    from diffusers.hooks import HookRegistry, ModelHook

    counter = BlockCounter()

    class _Count(ModelHook):
        def new_forward(self, module: Any, *args: Any, **kwargs: Any) -> Any:
            counter.count += 1
            return self.fn_ref.original_forward(*args, **kwargs)

    registries = [HookRegistry.check_if_exists_or_initialize(block) for block in _blocks(transformer)]
    for registry in registries:
        registry.register_hook(_Count(), _HOOK)
    try:
        yield counter
    finally:
        for registry in registries:
            registry.remove_hook(_HOOK, recurse=False)
