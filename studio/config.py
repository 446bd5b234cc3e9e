"""Configuration: one definition of every setting, read from defaults, then a TOML file, then environment
variables, then the command line, validated by pydantic-settings.

Sections of reelbot.toml: top-level keys, `[worker]` (renderqueue.settings.WorkerSettings), `[expander]`
(prompts.base.ExpanderConfig), `[safety]` (prompts.safety.SafetyPolicy), `[cluster]`
(renderqueue.cluster.ClusterConfig), `[gallery]` (GalleryConfig), `[cast]` (CastConfig), `[models]`
(ModelsConfig) and `[stills]` (StillsConfig). Any setting can come from the environment as `REELBOT_<KEY>`
or `REELBOT_<SECTION>__<KEY>`; the short names in `ENV_NAMES` are kept too.
"""
from __future__ import annotations

import dataclasses
import logging
import os
from contextvars import ContextVar
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, ValidationError
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from prompts.base import ExpanderConfig
from prompts.safety import SafetyPolicy
from renderqueue.cluster import ClusterConfig
from renderqueue.settings import WorkerSettings

log = logging.getLogger(__name__)

# default_model value meaning: the best downloaded preset that fits this host's GPU (see choose_model).
AUTO_MODEL = "auto"

# Which TOML file `Config` reads: set only for the duration of one `load_config` call.
_TOML_FILE: ContextVar[Path | None] = ContextVar("reelbot_toml_file", default=None)

# Short environment names documented in README -> (section, key).
ENV_NAMES: dict[str, tuple[str | None, str]] = {
    "REELBOT_HOME": (None, "home"),
    "REELBOT_DEFAULT_MODEL": (None, "default_model"),
    "REELBOT_WORKERS": (None, "workers"),
    "DISCORD_TOKEN": (None, "discord_token"),
    "REELBOT_DEV_GUILDS": (None, "dev_guild_ids"),
    "REELBOT_DEVICE": ("worker", "device"),
    "REELBOT_LLM_BACKEND": ("expander", "backend"),
    "REELBOT_LLM_MODEL": ("expander", "model_id"),
    "REELBOT_LLM_URL": ("expander", "base_url"),
    "REELBOT_LLM_API_KEY": ("expander", "api_key"),
    "REELBOT_LLM_JSON_MODE": ("expander", "json_mode"),
    "REELBOT_SAFETY_LEVEL": ("safety", "level"),
    "REELBOT_CLUSTER_BACKEND": ("cluster", "backend"),
    "REELBOT_CLUSTER_ADDRESS": ("cluster", "address"),
    "REELBOT_GALLERY_ENABLED": ("gallery", "enabled"),
    "REELBOT_GALLERY_HOST": ("gallery", "host"),
    "REELBOT_GALLERY_PORT": ("gallery", "port"),
    "REELBOT_GALLERY_URL": ("gallery", "base_url"),
}


class GalleryConfig(BaseModel):
    """The web gallery (bot/gallery), served by `reelbot run` beside the bot and by `reelbot gallery`.

    `enabled`: serve it and link posted clips to it. `host`, `port`: where it listens (loopback by
    default: publish it through a reverse proxy with TLS). `base_url`: the address members open, e.g.
    "https://films.example.org", used in the links the bot posts; "" means http://<host>:<port>.
    `request_timeout_s`: a connection must send a whole request's line and headers within this many
    seconds of opening (or of its previous response), else it is closed: slow-header clients
    ("slowloris") can't hold connections open.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(8765, ge=1, le=65535)
    base_url: str = ""
    request_timeout_s: float = Field(10.0, gt=0, le=3600)

    @property
    def public_url(self) -> str:
        """The gallery's address as links show it: `base_url`, else `http://host:port`, without a trailing slash."""
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")


class CastConfig(BaseModel):
    """Members' characters (studio.cast). `approval_timeout_s`: how long a request featuring an "ask me"
    character waits for its owner's answer before it is refused (seconds; a day by default)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    approval_timeout_s: float = Field(24 * 3600.0, gt=0)


def _known_weights(names: Any) -> Any:
    """`accept_licences` entries must name a preset or an adapter (generation.licences has one per each)."""
    from generation.licences import LICENCES

    names = _comma_list(names)
    unknown = [name for name in names if name not in LICENCES]
    if unknown:
        raise ValueError(f"unknown model or adapter {', '.join(unknown)} (known: {', '.join(sorted(LICENCES))})")
    return names


class ModelsConfig(BaseModel):
    """Which weights Reelbot may pick on its own, and how finals render.

    `accept_licences`: presets and adapters whose licence is not Apache-2.0/MIT-like (`reelbot models` flags
    them; generation.licences) that the operator accepts, so that `auto`, the picture fallback and draft
    paths may pick them; naming such a model in a request or as `default_model` needs no opt-in.
    `cache_finals`: finals render with their family's conservative cache hook too (generation.fast_paths
    FINAL_CACHE): faster, with pixels close to, not the same as, the full schedule's.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    accept_licences: Annotated[tuple[str, ...], NoDecode, BeforeValidator(_known_weights)] = ()
    cache_finals: bool = False


class StillsConfig(BaseModel):
    """Storyboard first, for every server that sets nothing else (`/settings stills_first`, ...).

    `first`: "ask" renders every shot's still and waits for the member's Animate; "auto" animates
    `grace_s` seconds after the stills are ready unless the member acts; "off" renders the video at once.
    `animate_quality`: what Animate renders at, "final" or "draft" (fewer steps; Finalize then refines the
    picked clip instead of re-rolling it).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    first: Literal["ask", "auto", "off"] = "ask"
    grace_s: float = Field(120.0, ge=0, le=3600)
    animate_quality: Literal["final", "draft"] = "final"


class ConfigError(ValueError):
    """A setting could not be read: `key` is its dotted name ("worker.job_timeout_s"), `value` what was
    given, `reason` pydantic's explanation, `source` the file the settings came from (None: defaults,
    environment and command line only)."""

    def __init__(self, key: str, value: Any, reason: str, source: Path | None) -> None:
        self.key, self.value, self.reason, self.source = key, value, reason, source
        where = f" in {source}" if source else ""
        super().__init__(f"bad setting {key} = {value!r}{where}: {reason}")


def _comma_list(value: Any) -> Any:
    """Environment values are strings: "1,2" is a list of two."""
    return [item.strip() for item in value.split(",") if item.strip()] if isinstance(value, str) else value


def _worker_count(value: Any) -> int | str:
    """`workers`: "auto" or a count of 0 or more (environment values arrive as strings)."""
    if isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    try:
        count = int(value)
    except (TypeError, ValueError):
        raise ValueError('expected a number of workers or "auto"') from None
    if count < 0:
        raise ValueError("expected 0 or more workers")
    return count


def _model_name(value: Any) -> str:
    """`default_model`: "auto" or a preset's name (or alias), checked at start-up so that a typo is one line
    then, not a refusal of every request later."""
    from generation.registry import ALIASES, PRESETS  # data only; no torch

    name = str(value).strip()
    if name != AUTO_MODEL and name not in PRESETS and name not in ALIASES:
        raise ValueError(f'expected "{AUTO_MODEL}" or a model preset: {", ".join(PRESETS)}')
    return name


class _ShortEnvNames(PydanticBaseSettingsSource):
    """The short names of `ENV_NAMES`, read from `env`, as the nested dict the other sources produce."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.env = env

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover
        raise NotImplementedError  # __call__ builds the whole dict at once

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, (section, key) in ENV_NAMES.items():
            if name in self.env:
                (values.setdefault(section, {}) if section else values)[key] = self.env[name]
        return values


class Config(BaseSettings):
    """Every setting of a Reelbot installation.

    `home`: data folder (database, media, models). `default_model`: preset used when a request names none;
    "auto" (the default) is the best downloaded preset that fits this host's GPU (`with_auto_model`).
    `discord_token`: the bot's token (Discord developer portal). `dev_guild_ids`: guilds that get slash
    commands at once (a global sync can take an hour). `workers`: render worker processes `reelbot run`
    starts (0: run them elsewhere with `reelbot worker`; "auto", the default: one per GPU, each pinned to
    its own device, or one without a GPU). `worker`, `expander`, `safety`, `cluster`, `gallery`, `cast`,
    `models`, `stills`: the sections.
    `config_file`: the TOML file these settings were read from, so worker subprocesses read it too.
    """

    model_config = SettingsConfigDict(
        env_prefix="REELBOT_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
        arbitrary_types_allowed=True,
    )

    home: Path = Path("reelbot-data")
    default_model: Annotated[str, PlainValidator(_model_name)] = AUTO_MODEL
    discord_token: str = Field("", repr=False)
    dev_guild_ids: Annotated[tuple[int, ...], NoDecode, BeforeValidator(_comma_list)] = ()
    workers: Annotated[int | str, PlainValidator(_worker_count)] = "auto"
    worker: WorkerSettings = WorkerSettings()
    expander: ExpanderConfig = ExpanderConfig()
    safety: SafetyPolicy = SafetyPolicy()
    cluster: ClusterConfig = ClusterConfig()
    gallery: GalleryConfig = GalleryConfig()
    cast: CastConfig = CastConfig()
    models: ModelsConfig = ModelsConfig()
    stills: StillsConfig = StillsConfig()
    config_file: Path | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every configured secret (the Discord token, the LLM API key), for `common.redact`."""
        return tuple(secret for secret in (self.discord_token, self.expander.api_key) if secret)

    @property
    def db_path(self) -> Path:
        """The SQLite database: `<home>/reelbot.sqlite3`."""
        return self.home / "reelbot.sqlite3"

    @property
    def media_dir(self) -> Path:
        """Rendered clips, storyboards, pictures and challenge media: `<home>/media`."""
        return self.home / "media"

    @property
    def models_dir(self) -> Path:
        """Model weights pulled for the presets: `<home>/models`."""
        return self.home / "models"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Where settings come from, first wins: arguments, environment (`REELBOT_...`, nested with `__`), the TOML
        file, the defaults (pydantic-settings' hook)."""
        # Highest first: the command line, the short environment names, REELBOT_* names, the file.
        return (
            init_settings,
            _ShortEnvNames(settings_cls, os.environ),
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=_TOML_FILE.get(), deep_merge=True),
        )


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    """`$REELBOT_CONFIG`, else ./reelbot.toml."""
    env = os.environ if env is None else env
    return Path(env.get("REELBOT_CONFIG", "reelbot.toml"))


def load_config(path: Path | None = None, **overrides: Any) -> Config:
    """Read the settings: defaults < `path` (default: `default_config_path()`; a missing file is
    skipped) < environment < `overrides` (nested sections as dicts, e.g. `expander={"backend": "openai"}`).

    Raises ConfigError naming the first bad key and value.
    """
    path = path or default_config_path()
    source = path.resolve() if path.exists() else None
    token = _TOML_FILE.set(source)
    try:
        return Config(**overrides, config_file=source)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        reason = "unknown setting" if first["type"] == "extra_forbidden" else first["msg"]
        raise ConfigError(key, first.get("input"), reason, source) from None
    finally:
        _TOML_FILE.reset(token)


def with_auto_model(config: Config) -> Config:
    """The config with default_model "auto" replaced by generation.placement.choose_model's pick for this
    host (logged, with its warning: tiny renders noise); any other value is kept as it is."""
    if config.default_model != AUTO_MODEL:
        return config
    from generation.placement import GB, PLANNER_VRAM_GB, choose_model
    from prompts.expand import resolve_backend

    # A planner running on this host's GPU takes its share first (generation.placement.PLANNER_VRAM_GB).
    reserve = int(PLANNER_VRAM_GB * GB) if resolve_backend(expander_config(config)) == "transformers" else 0
    name, warning = choose_model(config.models_dir, accepted=frozenset(config.models.accept_licences),
                                 reserve_bytes=reserve)
    if warning:
        log.warning("default model auto -> %s: %s", name, warning)
    else:
        log.info("default model auto -> %s", name)
    return config.model_copy(update={"default_model": name})


PLANNER_FOLDER = "planner"


def expander_config(config: Config) -> ExpanderConfig:
    """`config.expander`, its default model read from <home>/models/planner when `reelbot models pull planner`
    put it there (a model id or folder set explicitly is kept)."""
    folder = config.models_dir / PLANNER_FOLDER
    if config.expander.model_id == ExpanderConfig().model_id and (folder / "config.json").is_file():
        return dataclasses.replace(config.expander, model_id=str(folder))
    return config.expander
