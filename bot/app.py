"""The Discord bot: `ReelBot`, built by `create_bot`, run by `run_bot` (what `reelbot run` calls)."""
from __future__ import annotations

import asyncio
import logging
import pkgutil
import sys
from collections.abc import Sequence
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot import cogs as cogs_package
from bot.gallery.app import GalleryUnavailable, start_gallery
from bot.i18n.discord import CatalogTranslator, speak_to
from bot.posting import Delivery
from bot.ratelimit import ChannelBudget
from bot.incidents import incident
from bot.replies import report_error
from studio.config import Config
from studio.runtime import open_studio, workers_for
from studio.service import Studio

log = logging.getLogger(__name__)

# Every module of bot/cogs is a feature: a new feature is a new module there (with `setup(bot)`, which adds
# its cog; the cog adds its own persistent buttons), and nothing here changes.
COGS: tuple[str, ...] = tuple(
    sorted(f"{cogs_package.__name__}.{module.name}" for module in pkgutil.iter_modules(cogs_package.__path__))
)


class ReelTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # Every slash command runs in its own task: what it says from here on is in the member's language.
        return await speak_to(interaction)

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        # Every cog's failures end here: refusals become their user_message, bugs a logged apology.
        await report_error(interaction, error)


class ReelBot(commands.Bot):
    def __init__(
        self,
        config: Config,
        studio: Studio,
        *,
        cogs: Sequence[str] = COGS,
        delivery_interval: float = 1.5,
        progress_edit_gap: float = 3.0,
        channel_budget: ChannelBudget | None = None,
        **options: Any,
    ) -> None:
        intents = discord.Intents.default()
        # Replies to a clip are remixes: their text is needed.
        intents.message_content = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=ReelTree,
            help_command=None,
            allowed_mentions=discord.AllowedMentions(everyone=False, roles=False, users=True),
            **options,
        )
        self.config = config
        self.studio = studio
        self.cog_modules = tuple(cogs)
        self.delivery = Delivery(
            self, studio, interval=delivery_interval, edit_gap=progress_edit_gap, budget=channel_budget
        )
        self._delivery_task: asyncio.Task[None] | None = None

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        # A listener's failure (a message the bot reads, an event) is an incident; the bot keeps serving.
        error = sys.exc_info()[1]
        if error is not None:
            incident(f"event {event_method}", error)

    async def on_command_error(self, context: commands.Context, error: commands.CommandError) -> None:  # type: ignore[override]
        # Members mention the bot with requests ("@Reelbot the boat sails away" on a picture); the mention
        # prefix only exists for that, so a mention that isn't a text command is no error.
        if isinstance(error, commands.CommandNotFound):
            return
        await super().on_command_error(context, error)

    async def setup_hook(self) -> None:
        for module in self.cog_modules:
            await self.load_extension(module)
        # Command names, descriptions and options in every catalog language (name/description_localizations).
        await self.tree.set_translator(CatalogTranslator())
        await self.sync_commands()
        self._delivery_task = asyncio.create_task(self.delivery.run(), name="reelbot-delivery")

    async def sync_commands(self) -> None:
        if not self.config.dev_guild_ids:
            await self.tree.sync()  # global commands can take up to an hour to appear everywhere
            return
        for guild_id in self.config.dev_guild_ids:
            guild = discord.Object(guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)

    async def close(self) -> None:
        if self._delivery_task is not None:
            self._delivery_task.cancel()
            try:
                await self._delivery_task
            except asyncio.CancelledError:
                pass
            self._delivery_task = None
        await super().close()


def create_bot(config: Config, studio: Studio, **options: Any) -> ReelBot:
    return ReelBot(config, studio, **options)


async def _serve(config: Config) -> None:
    studio = open_studio(config)
    gallery = await start_gallery(config, studio) if config.gallery.enabled else None
    try:
        async with create_bot(config, studio) as bot:
            await bot.start(config.discord_token)
    finally:
        if gallery is not None:
            await gallery.cleanup()
        await studio.aclose()


def run_bot(config: Config) -> int:
    """Run until interrupted, with `config.workers` supervised render processes and the web gallery
    (unless `config.gallery.enabled` is off); 2 on a setup problem."""
    if not config.discord_token.strip():
        print(
            "error: no Discord bot token. Set DISCORD_TOKEN (or discord_token in reelbot.toml); create one at "
            "https://discord.com/developers/applications under Bot > Token.",
            file=sys.stderr,
        )
        return 2
    # With the ray backend the dispatcher always runs here: it is the cluster's only way to the queue.
    remote = config.cluster.backend == "ray"
    workers = workers_for(config, count=None).start() if config.workers != 0 or remote else None
    try:
        asyncio.run(_serve(config))
    except GalleryUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except discord.LoginFailure:
        print("error: Discord rejected the bot token; check DISCORD_TOKEN.", file=sys.stderr)
        return 2
    except (aiohttp.ClientConnectionError, discord.GatewayNotFound) as error:
        # Before the first connection only: once connected, discord.py reconnects with exponential backoff.
        print(f"error: can't reach Discord ({type(error).__name__}: {error}); check this machine's network "
              "connection and firewall, then start Reelbot again.", file=sys.stderr)
        return 3
    except discord.PrivilegedIntentsRequired:
        print(
            "error: enable the Message Content intent for the bot (Developer Portal > Bot > Privileged Gateway "
            "Intents): replies to clips are remixes.",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        pass
    finally:
        if workers is not None:
            workers.stop()
    return 0
