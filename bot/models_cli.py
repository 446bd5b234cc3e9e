"""`reelbot models` and `reelbot models pull NAME`: what each preset needs and has, and downloading it."""
from __future__ import annotations

import sys
from pathlib import Path

from generation.errors import RenderError
from generation.model_files import PLANNER, check_model_folder, check_planner_folder, folder_size, pull
from generation.placement import PLANNER_VRAM_GB, choose_model, gpus
from generation.registry import PRESETS, get_preset
from studio.config import Config

GB = 1e9


def model_rows(config: Config) -> list[tuple[str, ...]]:
    """One row per preset: name, family, i2v, GPU memory (model offload / all resident), download, on disk."""
    rows = [("model", "family", "i2v", "GPU GB (offload/full)", "download", "on disk")]
    for preset in PRESETS.values():
        folder = config.models_dir / preset.name
        if preset.local:
            memory, download = "any (CPU ok)", "built here"
            disk = f"built ({folder_size(folder) / 1e6:.1f} MB)" if folder.exists() else "built on first use"
        else:
            memory, download = f"{preset.vram_offload_gb:g} / {preset.vram_gb:g}", f"{preset.download_gb:g} GB"
            problem = check_model_folder(folder, preset)
            disk = f"yes ({folder_size(folder) / GB:.1f} GB)" if problem is None else problem
        rows.append((preset.name, preset.family, "yes" if preset.supports_i2v else "no", memory, download, disk))
    folder = config.models_dir / PLANNER.name
    problem = check_planner_folder(folder)
    disk = f"yes ({folder_size(folder) / GB:.1f} GB)" if problem is None else problem
    rows.append((PLANNER.name, f"LLM ({PLANNER.licence})", "-", f"{PLANNER_VRAM_GB:g}", f"{PLANNER.download_gb:g} GB", disk))
    return rows


def list_models(config: Config) -> int:
    rows = model_rows(config)
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    found = gpus()
    name, warning = choose_model(config.models_dir, found)
    where = ", ".join(f"{gpu.name} {gpu.total / GB:.0f} GB" for gpu in found) or "no GPU"
    print(f"\nauto -> {name} ({where}); models live in {config.models_dir}")
    if warning:
        print(f"warning: {warning}")
    return 0


def pull_model(config: Config, name: str, source: Path | None) -> int:
    """`reelbot models pull NAME`: a video preset, or `planner` (the LLM planner, generation.model_files.PLANNER)."""
    try:
        preset = PLANNER if name == PLANNER.name else get_preset(name)
        print(f"{preset.name}: {preset.download_gb:g} GB from {source or preset.repo_id} into "
              f"{config.models_dir / preset.name}", file=sys.stderr)  # fmt: skip
        folder = pull(preset, config.models_dir, source=source)
    except RenderError as error:
        fix = getattr(error, "fix", "")
        print(f"error: {error.user_message}" + (f" Fix: {fix}." if fix else ""), file=sys.stderr)
        return 2
    print(folder)
    return 0
