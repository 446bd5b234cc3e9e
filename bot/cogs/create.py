"""/video: a casual request in, a multi-shot clip out; and /help."""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.help import help_embeds
from bot.pictures import read_attachment
from bot.stills_views import STORYBOARD_ITEMS
from bot.views import ClipButton, queue_from_interaction
from bot.model_choices import check_loadable, model_autocomplete
from generation.registry import ASPECTS, MAX_SEED
from studio.members import Member
from studio.requests import Accepted, VideoOptions
from studio.shots import MAX_TAKES

if TYPE_CHECKING:
    from bot.app import ReelBot


class CreateCog(commands.Cog):
    def __init__(self, bot: "ReelBot") -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        # The buttons on every clip ever posted, by any earlier process, are routed by custom_id.
        self.bot.add_dynamic_items(ClipButton, *STORYBOARD_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ClipButton, *STORYBOARD_ITEMS)

    @app_commands.command(name="video", description="Turn a casual request into a multi-shot video")
    @app_commands.guild_only()
    @app_commands.describe(
        prompt="What should happen, in your own words (any language)",
        shots="How many shots (default: as the request needs)",
        model="Video model",
        seed="Seed, to get the same video again",
        aspect="Frame shape",
        duration="Total length in seconds",
        style="A look, e.g. anime, noir, claymation, watercolor",
        negative="What to keep out of the picture",
        draft="Faster, rougher render that jumps the queue",
        image="A picture (PNG, JPEG, WebP) the video starts from",
        takes="2-4 stills of every shot to pick from before animating",
        cast="Characters to feature, by name, comma-separated (see /cast list)",
    )
    @app_commands.choices(aspect=[app_commands.Choice(name=aspect, value=aspect) for aspect in ASPECTS])
    @app_commands.autocomplete(model=model_autocomplete)
    async def video(
        self,
        interaction: discord.Interaction,
        prompt: app_commands.Range[str, 1, 600],
        shots: app_commands.Range[int, 1, 6] | None = None,
        model: str | None = None,
        seed: app_commands.Range[int, 0, MAX_SEED] | None = None,
        aspect: str | None = None,
        duration: app_commands.Range[float, 1, 60] | None = None,
        style: app_commands.Range[str, 1, 200] | None = None,
        negative: app_commands.Range[str, 1, 300] | None = None,
        draft: bool = False,
        image: discord.Attachment | None = None,
        takes: app_commands.Range[int, 2, MAX_TAKES] | None = None,
        cast: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        check_loadable(interaction, model)
        options = VideoOptions(shots=shots, model=model, seed=seed, aspect=aspect, duration=duration, style=style,
                               negative=negative, draft=draft, takes=takes, cast=cast)  # fmt: skip
        studio = self.bot.studio

        async def submit(member: Member, origin: dict[str, Any]) -> Accepted:
            chosen = options
            if image is not None:
                picture = await read_attachment(image, studio.config.media_dir)
                chosen = dataclasses.replace(options, image=str(picture.path))
            return await studio.create(member, prompt, chosen, origin=origin)

        await queue_from_interaction(interaction, submit)

    @app_commands.command(name="help", description="What Reelbot can do")
    async def help(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(embeds=help_embeds(self.bot.tree.get_commands()), ephemeral=True)


async def setup(bot: "ReelBot") -> None:
    await bot.add_cog(CreateCog(bot))
