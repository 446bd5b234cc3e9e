"""Counting transformer block evaluations: the work a render really did, whatever skipped some of it.

A step costs its transformer's blocks times the samples they run on (two with CFG, whether a pipeline
batches them, like LTX-Video and CogVideoX, or calls the model twice, like Wan); a cache hook that skips
blocks, a distilled schedule with fewer steps, a LoRA without CFG all show up as fewer block evaluations.
The counter is a diffusers ModelHook on each block registered *before* any cache hook, so it sits
innermost: it counts only when the block's own forward runs, not when FirstBlockCache or TaylorSeer answer
in its place.
"""
from __future__ import annotations

import contextlib
from typing import Any, Iterator

_HOOK = "reelbot_block_count"
# Where diffusers' video transformers keep their repeated blocks (hooks/_common.py names the same lists).
_BLOCK_LISTS = ("blocks", "transformer_blocks")


class BlockCounter:
    """`count`: block evaluations (one block on one sample) since the counter was attached or last `reset`."""

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
def counting(*transformers: Any) -> Iterator[BlockCounter]:
    """Count the block evaluations of `transformers` (a preset's, and a distilled one's beside it) within the
    block. Attach it before enabling a cache hook."""
    from diffusers.hooks import HookRegistry, ModelHook

    counter = BlockCounter()

    class _Count(ModelHook):
        def new_forward(self, module: Any, *args: Any, **kwargs: Any) -> Any:
            hidden = kwargs["hidden_states"] if "hidden_states" in kwargs else args[0]
            counter.count += hidden.shape[0]
            return self.fn_ref.original_forward(*args, **kwargs)

    registries = [HookRegistry.check_if_exists_or_initialize(block) for transformer in transformers
                  for block in _blocks(transformer)]  # fmt: skip
    for registry in registries:
        registry.register_hook(_Count(), _HOOK)
    try:
        yield counter
    finally:
        for registry in registries:
            registry.remove_hook(_HOOK, recurse=False)
