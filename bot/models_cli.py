"""`reelbot models` and `reelbot models pull NAME`: what each preset needs and has, and downloading it."""
from __future__ import annotations

import sys
from pathlib import Path

from generation.adapters import ADAPTERS
from generation.errors import RenderError
from generation.fast_paths import draft_path
from generation.licences import licence_of
from generation.model_files import PLANNER, check_model_folder, check_planner_folder, folder_size, pull
from generation.placement import PLANNER_VRAM_GB, choose_model, gpus
from generation.registry import PRESETS, get_preset
from studio.config import Config

GB = 1e9


def _licence(name: str) -> str:
    licence = licence_of(name)
    return licence.spdx if licence.permissive else f"{licence.spdx} RESTRICTED"


def _built(folder: Path) -> str:
    return f"built ({folder_size(folder) / 1e6:.1f} MB)" if folder.exists() else "built on first use"


def model_rows(config: Config) -> list[tuple[str, ...]]:
    """One row per preset, then per adapter: name, family, i2v, GPU memory (model offload / all resident),
    download, licence (the model card's; RESTRICTED when not Apache-2.0/MIT-like), what drafts render
    through on this host, on disk."""
    accepted = frozenset(config.models.accept_licences)
    rows = [("model", "family", "i2v", "GPU GB (offload/full)", "download", "licence", "drafts", "on disk")]
    for preset in PRESETS.values():
        folder = config.models_dir / preset.name
        if preset.local:
            memory, download, disk = "any (CPU ok)", "built here", _built(folder)
        else:
            memory, download = f"{preset.vram_offload_gb:g} / {preset.vram_gb:g}", f"{preset.download_gb:g} GB"
            problem = check_model_folder(folder, preset)
            disk = f"yes ({folder_size(folder) / GB:.1f} GB)" if problem is None else problem
        if preset.distilled_from:
            drafts = f"(drafts of {preset.distilled_from})"
        else:
            path = draft_path(preset.name, config.models_dir, accepted)
            drafts = "own sampler" if path is None else path.name
        rows.append((preset.name, preset.family, "yes" if preset.supports_i2v else "no", memory, download,
                     _licence(preset.name), drafts, disk))  # fmt: skip
    for adapter in ADAPTERS.values():
        rows.append((adapter.name, adapter.family, "-", "LoRA", "built here" if adapter.local else "-",
                     _licence(adapter.name), f"(LoRA for {', '.join(adapter.presets)})",
                     _built(config.models_dir / adapter.name)))  # fmt: skip
    folder = config.models_dir / PLANNER.name
    problem = check_planner_folder(folder)
    rows.append((PLANNER.name, "LLM planner", "-", f"{PLANNER_VRAM_GB:g}", f"{PLANNER.download_gb:g} GB",
                 _licence(PLANNER.name), "-", f"yes ({folder_size(folder) / GB:.1f} GB)" if problem is None else problem))
    return rows


def list_models(config: Config) -> int:
    rows = model_rows(config)
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    found = gpus()
    name, warning = choose_model(config.models_dir, found, accepted=frozenset(config.models.accept_licences))
    where = ", ".join(f"{gpu.name} {gpu.total / GB:.0f} GB" for gpu in found) or "no GPU"
    print(f"\nauto -> {name} ({where}); models live in {config.models_dir}")
    if warning:
        print(f"warning: {warning}")
    restricted = [row[0] for row in rows[1:] if row[5].endswith("RESTRICTED")]
    if restricted:
        print(f"restricted licences (not Apache-2.0/MIT-like): {', '.join(restricted)}. Reelbot never picks them on its "
              "own unless you accept them: [models] accept_licences = [\"NAME\"]; read each model card's terms.")
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
