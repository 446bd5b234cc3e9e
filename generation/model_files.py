"""Model folders: what `<home>/models/<preset>/` must hold, what packages loading it needs, and downloads.

A folder is the hub repo's diffusers layout: model_index.json naming each component, one subfolder per
component with its config and weights. `reelbot models pull` fills it with huggingface_hub's
snapshot_download (resumable: partial files wait in <folder>/.cache/huggingface/download/*.incomplete).
"""
from __future__ import annotations

import errno
import importlib.util
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from common.errors import N_
from generation.errors import ModelUnavailableError
from generation.registry import ModelPreset

# Only the diffusers folders: Lightricks/LTX-Video also holds ~100 GB of single-file checkpoints.
PULL_PATTERNS = ["model_index.json", "scheduler/*", "text_encoder/*", "tokenizer/*", "transformer/*", "vae/*"]
# A distilled preset needs only its own transformer: its base's text encoder, tokenizer and VAE serve it.
DISTILLED_COMPONENTS = ("scheduler", "transformer")


def pull_patterns(preset: "ModelPreset | PlannerModel") -> list[str]:
    """What `reelbot models pull` fetches of the preset's (or the planner's) repo."""
    if isinstance(preset, PlannerModel):
        return list(preset.patterns)
    if preset.distilled_from is None:
        return PULL_PATTERNS
    return ["model_index.json", *(f"{component}/*" for component in DISTILLED_COMPONENTS)]
WEIGHT_SUFFIXES = (".safetensors", ".bin")
# Python import name -> pip package, for what loading a tokenizer folder needs beyond the core deps.
SPIECE_PACKAGES = {"sentencepiece": "sentencepiece", "google.protobuf": "protobuf"}


@dataclass(frozen=True)
class PlannerModel:
    """The LLM planner's weights (a transformers chat model, not a diffusers preset): `reelbot models pull
    planner` puts them in <home>/models/planner, where studio.config.expander_config finds them.

    Qwen2.5-1.5B-Instruct (https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct): Apache-2.0 (the 3B size is
    not: Qwen Research License), writes JSON to a schema reliably, reads all eleven request languages, and
    at 3.1 GB in bf16 sits beside a video model on one GPU (generation.placement.PLANNER_VRAM_GB)."""

    name: str = "planner"
    repo_id: str = "Qwen/Qwen2.5-1.5B-Instruct"
    licence: str = "Apache-2.0"
    download_gb: float = 3.1
    local: bool = False
    patterns: tuple[str, ...] = ("config.json", "generation_config.json", "*.safetensors", "*.safetensors.index.json",
                                 "tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt")
    marker: str = "config.json"


PLANNER = PlannerModel()


def pull_command(preset: ModelPreset | PlannerModel) -> str:
    return f"reelbot models pull {preset.name}"


def check_planner_folder(folder: Path) -> str | None:
    """None when `folder` holds a complete chat model (config, tokenizer, every weight shard), else what is
    wrong (one line)."""
    folder = Path(folder)
    if not (folder / "config.json").is_file():
        return "not downloaded" if not folder.exists() or not any(folder.iterdir()) else "no config.json"
    if any((folder / ".cache" / "huggingface" / "download").rglob("*.incomplete")):
        return "download not finished"
    if not (folder / "tokenizer.json").is_file() and not (folder / "vocab.json").is_file():
        return "no tokenizer"
    return _check_weights(folder, "the planner")


def check_model_folder(folder: Path, preset: ModelPreset) -> str | None:
    """None when `folder` looks like a complete copy of the preset's repo, else what is wrong (one line).

    Checks, cheaply and without loading: model_index.json exists and parses; it names the preset's
    pipeline (else: a folder of another family); every component folder has a config and, for models,
    weights (every shard an index lists); no half-finished download remains.
    """
    folder = Path(folder)
    index_path = folder / "model_index.json"
    if not index_path.is_file():
        return "not downloaded" if not folder.exists() or not any(folder.iterdir()) else "no model_index.json"
    try:
        index = json.loads(index_path.read_text())
    except (OSError, ValueError):
        return "model_index.json is unreadable (corrupt download)"
    pipeline = index.get("_class_name")
    if pipeline not in {preset.pipeline_class, preset.i2v_pipeline_class, preset.hub_pipeline_class} - {None}:
        return f"holds a {pipeline or 'unknown'} model, not {preset.pipeline_class} ({preset.family} family)"
    if any((folder / ".cache" / "huggingface" / "download").rglob("*.incomplete")):
        return "download not finished"
    for component, spec in index.items():
        if component.startswith("_") or not isinstance(spec, list) or spec[0] is None:
            continue
        if preset.distilled_from is not None and component not in DISTILLED_COMPONENTS:
            continue
        problem = _check_component(folder / component, component)
        if problem:
            return problem
    return None


def _check_component(path: Path, component: str) -> str | None:
    if not path.is_dir():
        return f"{component}/ is missing"
    if component in ("tokenizer", "scheduler"):
        return None if any(path.glob("*.json")) or any(path.glob("*.model")) else f"{component}/ is empty"
    if not (path / "config.json").is_file():
        return f"{component}/config.json is missing"
    return _check_weights(path, f"{component}/")


def _check_weights(path: Path, label: str) -> str | None:
    """Every shard a weight index lists is there, or (no index) some non-empty weight file is; problems
    start with `label` ("transformer/", "the planner")."""
    for index_file in path.glob("*.index.json"):
        try:
            shards = set(json.loads(index_file.read_text())["weight_map"].values())
        except (OSError, ValueError, KeyError):
            return f"{label.rstrip('/')}/{index_file.name} is unreadable"
        missing = sorted(shard for shard in shards if not (path / shard).is_file())
        if missing:
            return f"{label} lacks {len(missing)} weight file(s), e.g. {missing[0]}"
        return None
    if not any(p.suffix in WEIGHT_SUFFIXES and p.stat().st_size > 0 for p in path.iterdir()):
        return f"{label} has no weights"
    return None


def required_packages(folder: Path) -> dict[str, str]:
    """Import name -> pip name of what loading this folder needs beyond Reelbot's own imports: a tokenizer
    folder with spiece.model and no tokenizer.json is converted with sentencepiece and protobuf."""
    tokenizer = Path(folder) / "tokenizer"
    if (tokenizer / "spiece.model").is_file() and not (tokenizer / "tokenizer.json").is_file():
        return dict(SPIECE_PACKAGES)
    return {}


def missing_packages(folder: Path) -> list[str]:
    """pip names of the packages `required_packages(folder)` lists that cannot be imported here."""
    return [pip for module, pip in required_packages(folder).items() if not _importable(module)]


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # the parent package (google) is missing
        return False


def ready_folder(models_dir: Path, preset: ModelPreset) -> Path:
    """The preset's folder once it is complete and loadable here; else ModelUnavailableError saying how to fix it."""
    folder = Path(models_dir) / preset.name
    problem = check_model_folder(folder, preset)
    if problem == "not downloaded":
        raise ModelUnavailableError(
            "The {model} model isn't downloaded on this render host yet.", model=preset.name,
            fix=f"run `{pull_command(preset)}` (about {preset.download_gb:g} GB) into {folder}",
        )
    if problem is not None:
        raise ModelUnavailableError(
            "The {model} model's files on this render host are incomplete or wrong ({problem}).",
            model=preset.name, problem=problem,
            fix=f"delete {folder}: Reelbot builds it again" if preset.local else
            f"run `{pull_command(preset)}` again to repair {folder}",
        )
    missing = missing_packages(folder)
    if missing:
        raise ModelUnavailableError(
            "The {model} model needs Python packages this render host lacks: {packages}.",
            model=preset.name, packages=", ".join(missing),
            fix=f"pip install {' '.join(missing)}",
        )
    return folder


Downloader = Callable[..., str]


def pull(
    preset: ModelPreset | PlannerModel, models_dir: Path, *, source: Path | None = None,
    download: Downloader | None = None,
) -> Path:
    """Download the preset (or the LLM planner, PLANNER) into models_dir/<name> and check it; returns the folder.

    From the hub with huggingface_hub.snapshot_download (progress bars; an interrupted pull resumes where it
    stopped), or from `source`, a local copy of the repo (a USB disk, a share), copying only what is missing.
    `download` replaces snapshot_download (tests). Raises ModelUnavailableError for a local preset, a full
    disk, a failed download or copy, or a result that fails check_model_folder.
    """
    if preset.local:
        raise ModelUnavailableError(
            "{model} is built on this machine; there is nothing to download.",
            model=preset.name,
        )
    target = Path(models_dir) / preset.name
    target.mkdir(parents=True, exist_ok=True)
    try:
        if source is not None:
            _copy_missing(Path(source), target, preset)
        else:
            if download is None:
                from huggingface_hub import snapshot_download as download
            download(repo_id=preset.repo_id, local_dir=target, allow_patterns=pull_patterns(preset))
    except ModelUnavailableError:
        raise
    except Exception as exc:  # huggingface_hub and requests raise many types; each means "not downloaded"
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            free = shutil.disk_usage(target).free / 1e9
            raise ModelUnavailableError(
                "The disk filled up while downloading {model}.", model=preset.name,
                fix=f"free at least {preset.download_gb:g} GB on {target} ({free:.1f} GB free now) and pull again",
            ) from exc
        raise ModelUnavailableError(
            N_("Couldn't download {model} from {source} ({error}).") if source else
            N_("Couldn't download {model} from the Hugging Face hub ({error})."),
            model=preset.name, source=source, error=type(exc).__name__,
            fix="check the connection (or HF_TOKEN) and run the same command again: it resumes",
            detail=repr(exc),
        ) from exc
    problem = check_planner_folder(target) if isinstance(preset, PlannerModel) else check_model_folder(target, preset)
    if problem is not None:
        raise ModelUnavailableError("The download of {model} is not usable: {problem}.", model=preset.name, problem=problem,
                                    fix=f"run `{pull_command(preset)}` again")  # fmt: skip
    return target


def _copy_missing(source: Path, target: Path, preset: ModelPreset | PlannerModel) -> None:
    from tqdm import tqdm

    marker = preset.marker if isinstance(preset, PlannerModel) else "model_index.json"
    if not (source / marker).is_file():
        raise ModelUnavailableError("{source} is not a copy of the model (no {marker}).", source=source, marker=marker)
    files = [p for pattern in pull_patterns(preset) for p in source.glob(pattern) if p.is_file()]
    todo = [p for p in files if not _same_size(p, target / p.relative_to(source))]
    with tqdm(total=sum(p.stat().st_size for p in todo), unit="B", unit_scale=True, desc="copying") as bar:
        for path in todo:
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            partial = destination.with_name(destination.name + ".incomplete")
            shutil.copyfile(path, partial)
            partial.replace(destination)
            bar.update(path.stat().st_size)


def _same_size(a: Path, b: Path) -> bool:
    return b.is_file() and a.stat().st_size == b.stat().st_size


def folder_size(folder: Path) -> int:
    """Bytes on disk under `folder` (0 when missing)."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()) if Path(folder).exists() else 0
