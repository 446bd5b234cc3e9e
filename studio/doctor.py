"""`reelbot doctor`: checks what a render host and a bot need, one line each: ok / problem / how to fix.

Every check is a plain function of the config returning Check rows, so the CLI prints them and tests
run them on this machine. Nothing here changes anything.
"""
from __future__ import annotations

import base64
import binascii
import re
import shutil
import sys
from dataclasses import dataclass
from importlib import metadata
from typing import Callable, Iterable

from generation.model_files import PLANNER, pull_command
from prompts.expand import resolve_backend
from studio.config import Config, expander_config

GB = 1e9
# A bot token is three base64url parts: the bot's user id, a timestamp, an HMAC (Discord developer docs,
# "Authentication"); the first part decodes to the numeric user id.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{18,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")


@dataclass(frozen=True)
class Check:
    """One finding of `reelbot doctor`: what was checked, whether it is fine, what was found, and what to do if not."""

    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        """The finding as one console line: "ok" or "PROBLEM", the name, the detail and the fix."""
        status = "ok     " if self.ok else "PROBLEM"
        return f"{status} {self.name}: {self.detail}" + ("" if self.ok or not self.fix else f" -> {self.fix}")


def check_python() -> Iterable[Check]:
    """Python 3.11 or newer."""
    version = ".".join(map(str, sys.version_info[:3]))
    yield Check("python", sys.version_info >= (3, 11), version, "install Python 3.11 or newer")


def check_torch() -> Iterable[Check]:
    """The torch build and the GPUs it sees (probed in a child process), with their memory."""
    import torch

    from generation.placement import gpus

    build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "CPU-only build"
    yield Check("torch", True, f"{torch.__version__} ({build})")
    found = gpus()
    if not found:
        fix = ("install the NVIDIA driver (check `nvidia-smi`)" if torch.version.cuda else
               "pip install torch --index-url https://download.pytorch.org/whl/cu128")  # fmt: skip
        yield Check("cuda", False, "no CUDA GPU visible: only the tiny test model (noise) can render", fix)
    for gpu in found:
        yield Check(f"gpu {gpu.index}", True, f"{gpu.name}, {gpu.free / GB:.1f} of {gpu.total / GB:.1f} GB free")


def check_packages() -> Iterable[Check]:
    """Every dependency Reelbot declares is installed at a version it accepts."""
    from packaging.requirements import Requirement

    for line in metadata.requires("reelbot") or []:
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        try:
            version = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            yield Check(f"package {requirement.name}", False, "not installed", f'pip install "{requirement}"')
            continue
        good = requirement.specifier.contains(version, prereleases=True)
        yield Check(f"package {requirement.name}", good, version, f'pip install "{requirement}"')


def check_fonts() -> Iterable[Check]:
    """A font with CJK glyphs for captions in storyboards, lineage trees and leaderboards."""
    from generation.drawing import cjk_fonts

    found = cjk_fonts()
    yield Check("fonts", bool(found), found[0] if found else "no CJK font: Chinese/Japanese/Korean captions show as boxes",
                "apt install fonts-noto-cjk")  # fmt: skip


def check_codecs() -> Iterable[Check]:
    """PyAV has the libx264 encoder clips are written with."""
    import av

    try:
        av.codec.Codec("libx264", "w")
        yield Check("video encoder", True, f"libx264 (PyAV {av.__version__})")
    except Exception as exc:  # PyAV raises its own error types for an unknown codec
        yield Check("video encoder", False, f"PyAV {av.__version__} has no libx264 encoder ({exc})",
                    "pip install --force-reinstall av (its wheels bundle libx264)")  # fmt: skip


def check_models(config: Config) -> Iterable[Check]:
    """Free disk for weights, and for each preset whether its weights are on disk and its packages installed."""
    from generation.model_files import check_model_folder, missing_packages, pull_command
    from generation.registry import PRESETS

    usage = shutil.disk_usage(config.home if config.home.exists() else ".")
    yield Check("disk", usage.free > 20 * GB, f"{usage.free / GB:.0f} GB free for models and clips",
                "free space: each real model needs 13-18 GB")  # fmt: skip
    for preset in PRESETS.values():
        if preset.local:
            continue
        folder = config.models_dir / preset.name
        problem = check_model_folder(folder, preset)
        if problem is None:
            missing = missing_packages(folder)
            yield Check(f"model {preset.name}", not missing, f"{folder}" + (f", needs {', '.join(missing)}" if missing else ""),
                        f"pip install {' '.join(missing)}")  # fmt: skip
        else:
            yield Check(f"model {preset.name}", False, f"{problem} ({folder})", pull_command(preset))


def check_llm(config: Config, fetch: Callable[[str, dict], int] | None = None) -> Iterable[Check]:
    """The shot-list planner ("auto" resolved first): rules need nothing; an OpenAI-compatible server must
    answer GET /models."""
    expander = expander_config(config)
    backend = resolve_backend(expander)  # what "auto" stands for on this machine
    if backend == "rules":
        advice = ""
        if expander.backend == "auto" and _gpu_here():
            # A GPU is here but no planner model: the rules plan, and an LLM would plan better.
            advice = (f"; a GPU is here: `{pull_command(PLANNER)}` ({PLANNER.download_gb:g} GB, {PLANNER.licence}) "
                      "lets an LLM write the plans")
        yield Check("planner", True, "rule-based (no LLM)" + advice)
        return
    if backend == "transformers":
        yield Check("planner", True, f"local model {expander.model_id}, loaded at the first request")
        return
    url = expander.base_url.rstrip("/") + "/models"
    headers = {"Authorization": f"Bearer {expander.api_key}"} if expander.api_key else {}
    try:
        status = (fetch or _http_status)(url, headers)
    except OSError as exc:
        yield Check("planner", False, f"{url} unreachable ({exc})",
                    "start the LLM server or fix [expander] base_url; requests fall back to rules meanwhile")  # fmt: skip
        return
    yield Check("planner", status == 200, f"{url} answered HTTP {status}",
                "check [expander] base_url and api_key")  # fmt: skip


def _gpu_here() -> bool:
    from generation.placement import gpus

    return bool(gpus())


def _http_status(url: str, headers: dict) -> int:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def check_discord_token(config: Config) -> Iterable[Check]:
    """A Discord bot token is configured and well-formed (three dot-separated parts, no "Bot " prefix); whether
    Discord accepts it shows at login."""
    token = config.discord_token.strip()
    fix = "copy the bot token from the Discord developer portal (Bot -> Reset Token) into DISCORD_TOKEN"
    if not token:
        yield Check("discord token", False, "DISCORD_TOKEN is not set (only `reelbot run` needs it)", fix)
        return
    if token.lower().startswith("bot "):
        yield Check("discord token", False, "starts with 'Bot ': give the token alone", fix)
        return
    user_id = _token_user_id(token) if _TOKEN_SHAPE.match(token) else None
    if user_id is None:
        yield Check("discord token", False, "does not look like a bot token (three dot-separated parts)", fix)
        return
    yield Check("discord token", True, f"well-formed, for bot user {user_id} (validity is checked at login)")


def _token_user_id(token: str) -> str | None:
    first = token.split(".")[0]
    try:
        decoded = base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded if decoded.isdigit() else None


def run_checks(config: Config) -> list[Check]:
    """Every check, in the order `reelbot doctor` prints them."""
    checks: list[Check] = []
    for group in (check_python(), check_torch(), check_packages(), check_fonts(), check_codecs(),
                  check_models(config), check_llm(config), check_discord_token(config)):  # fmt: skip
        checks.extend(group)
    return checks
