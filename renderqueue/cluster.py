"""Settings of the `[cluster]` section and the GPU-host side of a Ray cluster (`reelbot gpu-node`).

Nothing here imports Ray: the default install never does. `backend = "local"` (the default) renders
with worker processes on this machine; `backend = "ray"` turns them off and runs a dispatcher that
sends jobs to one render actor per GPU of the Ray cluster at `address`.

A GPU host declares which presets it has on disk as Ray custom resources named
`reelbot-preset-<name>` (https://docs.ray.io/en/latest/ray-core/scheduling/resources.html); the
dispatcher reads them from `ray.nodes()` and only sends a host jobs for those presets.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from generation.registry import PRESETS, ModelPreset, canonical_name

PRESET_RESOURCE = "reelbot-preset-"
MODELS_DIR_ENV = "REELBOT_MODELS_DIR"


class ClusterConfig(BaseModel):
    """The `[cluster]` section of reelbot.toml (environment: `REELBOT_CLUSTER__<KEY>`).

    `backend`: "local" (worker processes here) or "ray" (a dispatcher over a Ray cluster).
    `address`: the Ray cluster to join, as `ray.init(address=...)` takes it: "auto" (a cluster started
    on this machine with `ray start --head`), "HOST:6379", or "" to start a private one-machine
    cluster with this machine's GPUs.
    `models_dir`: where GPU hosts keep models when they don't say (`gpu-node --models`); default: the
    bot's own models folder, as an absolute path.
    `max_gpus`: at most this many GPUs used (0: every GPU of the cluster).
    `refresh_interval_s`: seconds between looks for GPUs that joined or left.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    backend: Literal["local", "ray"] = "local"
    address: str = "auto"
    models_dir: Path | None = None
    max_gpus: int = Field(0, ge=0)
    refresh_interval_s: float = Field(2.0, gt=0)


def presets_from_resources(resources: Mapping[str, float]) -> frozenset[str] | None:
    """The presets a node declared (see module doc), by canonical name; None when it declared none,
    meaning any."""
    declared = frozenset(
        canonical_name(name[len(PRESET_RESOURCE) :]) for name in resources if name.startswith(PRESET_RESOURCE)
    )
    return declared or None


def presets_on_disk(models_dir: Path, *, hub_cache: Path | None = None) -> list[str]:
    """Presets this host can load without a download: built-in tiny models, copies in
    `models_dir/<name>`, and hub repos in the Hugging Face cache (`hub_cache`, default: the
    huggingface_hub default), found with huggingface_hub's own lookup."""
    from huggingface_hub import try_to_load_from_cache

    def present(preset: ModelPreset) -> bool:
        if preset.local or (models_dir / preset.name / "model_index.json").is_file():
            return True
        return isinstance(try_to_load_from_cache(preset.repo_id, "model_index.json", cache_dir=hub_cache), str)

    return [name for name, preset in PRESETS.items() if present(preset)]


def gpu_node_command(address: str, presets: list[str], *, num_gpus: int | None = None) -> list[str]:
    """`ray start` joining the head at `address` (HOST:PORT) and declaring `presets`; blocks while
    the node runs, so a service manager can keep it up. Aliases ("tiny") are declared by their preset's
    name. Raises ValueError naming unknown presets."""
    presets = [canonical_name(name) for name in presets]
    unknown = sorted(set(presets) - set(PRESETS))
    if unknown:
        raise ValueError(f"unknown presets: {', '.join(unknown)} (known: {', '.join(sorted(PRESETS))})")
    ray = shutil.which("ray", path=str(Path(sys.executable).parent)) or shutil.which("ray") or "ray"
    command = [ray, "start", "--address", address, "--block"]
    if presets:
        command += ["--resources", json.dumps({f"{PRESET_RESOURCE}{name}": 1 for name in presets})]
    if num_gpus is not None:
        command += ["--num-gpus", str(num_gpus)]
    return command


def gpu_node_environment(models_dir: Path) -> dict[str, str]:
    """The environment `ray start` runs in: render actors on this node inherit it and load models from
    `models_dir`."""
    return {**os.environ, MODELS_DIR_ENV: str(Path(models_dir).resolve())}
