"""diffusers cache hooks on a loaded transformer, for exactly one denoising run at a time.

`enabled(transformer, path)` registers the path's hook (`transformer.enable_cache`) and removes it when the
run ends, however it ends, so a hook's state (cached residuals, Taylor factors, its step counter) never
reaches the next shot, nor a retry of the same one: diffusers' pipelines do not reset it between calls.
A hook left behind by a crashed run is removed before a new one goes on.

Which hook a family uses: FirstBlockCache for Wan (its blocks are registered with diffusers' block
registry and it has many of them: skipping all but the first pays off); TaylorSeer for LTX-Video and
CogVideoX (no per-model calibration needed, unlike MagCache, whose magnitude ratios are checkpoint-specific).
"""
from __future__ import annotations

import contextlib
from typing import Any, Iterator

from generation.fast_paths import FastPath


def cache_config(path: FastPath, dtype: Any = None) -> Any:
    """The diffusers cache config of cache path `path` (Taylor factors kept in `dtype`, the model's)."""
    from diffusers import FirstBlockCacheConfig, TaylorSeerCacheConfig

    if path.hook == "first_block":
        return FirstBlockCacheConfig(threshold=path.threshold)
    if path.hook == "taylorseer":
        return TaylorSeerCacheConfig(cache_interval=path.interval, disable_cache_before_step=path.warmup,
                                     use_lite_mode=path.lite, taylor_factors_dtype=dtype)  # fmt: skip
    raise ValueError(f"{path.name} is not a cache path")


def clear(transformer: Any) -> None:
    """Remove whatever cache hook the transformer carries (none: nothing to do)."""
    if getattr(transformer, "is_cache_enabled", False):
        transformer.disable_cache()


@contextlib.contextmanager
def enabled(transformer: Any, path: FastPath) -> Iterator[None]:
    """The transformer with `path`'s hook on, fresh, for the block; without any hook after it."""
    clear(transformer)
    transformer.enable_cache(cache_config(path, dtype=transformer.dtype))
    try:
        yield
    finally:
        clear(transformer)
