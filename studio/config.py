"""Configuration: defaults, overridden by a TOML file, overridden by environment variables."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from prompts.expand import ExpanderConfig
from prompts.safety import SafetyPolicy


@dataclass(frozen=True)
class Config:
    home: Path = Path("reelbot-data")
    default_model: str = "tiny"
    # Models used for drafts when a request asks for speed over quality.
    draft_model: str = "tiny"
    discord_token: str = ""
    # Guild IDs to sync slash commands to instantly; global sync can take an hour to propagate.
    dev_guild_ids: tuple[int, ...] = ()
    workers: int = 1
    device: str | None = None
    job_timeout_s: float = 1800.0
    # How often an idle worker looks for new jobs.
    worker_poll_s: float = 1.0
    expander: ExpanderConfig = field(default_factory=ExpanderConfig)
    safety: SafetyPolicy = field(default_factory=SafetyPolicy)

    @property
    def db_path(self) -> Path:
        return self.home / "reelbot.sqlite3"

    @property
    def media_dir(self) -> Path:
        return self.home / "media"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"


# Environment variable -> (section, key). Sections map to nested config objects.
_ENV = {
    "REELBOT_HOME": (None, "home"),
    "REELBOT_DEFAULT_MODEL": (None, "default_model"),
    "REELBOT_DEVICE": (None, "device"),
    "REELBOT_WORKERS": (None, "workers"),
    "DISCORD_TOKEN": (None, "discord_token"),
    "REELBOT_DEV_GUILDS": (None, "dev_guild_ids"),
    "REELBOT_LLM_BACKEND": ("expander", "backend"),
    "REELBOT_LLM_MODEL": ("expander", "model_id"),
    "REELBOT_LLM_URL": ("expander", "base_url"),
    "REELBOT_LLM_API_KEY": ("expander", "api_key"),
    "REELBOT_LLM_JSON_MODE": ("expander", "json_mode"),
    "REELBOT_SAFETY_LEVEL": ("safety", "level"),
}


def _coerce(target_type: Any, value: Any) -> Any:
    """Convert TOML/env values to the declared field types (env values are always strings)."""
    type_name = str(target_type)
    if "Path" in type_name:
        return Path(value).expanduser()
    if "tuple" in type_name:
        items = value.split(",") if isinstance(value, str) else value
        return tuple(int(item) for item in items if str(item).strip())
    if type_name in ("bool", "<class 'bool'>") and isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if type_name in ("int", "<class 'int'>"):
        return int(value)
    if type_name in ("float", "<class 'float'>"):
        return float(value)
    if "list" in type_name and isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def _apply(obj: Any, values: dict[str, Any]) -> Any:
    known = {f.name: f for f in fields(obj)}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(f"unknown config keys for {type(obj).__name__}: {', '.join(sorted(unknown))}")
    return replace(obj, **{name: _coerce(known[name].type, value) for name, value in values.items()})


def load_config(path: Path | None = None, env: dict[str, str] | None = None) -> Config:
    """Build the config; `path` defaults to ./reelbot.toml when it exists."""
    env = dict(os.environ) if env is None else env
    path = path or (Path(env["REELBOT_CONFIG"]) if "REELBOT_CONFIG" in env else Path("reelbot.toml"))
    data: dict[str, Any] = tomllib.loads(path.read_text()) if path.exists() else {}
    for var, (section, key) in _ENV.items():
        if var in env:
            (data.setdefault(section, {}) if section else data)[key] = env[var]
    sections = {name: data.pop(name) for name in ("expander", "safety") if name in data}
    config = _apply(Config(), data)
    for name, values in sections.items():
        config = replace(config, **{name: _apply(getattr(config, name), values)})
    return config
