"""/finalize, the Pick buttons of takes, and requests made by mentioning the bot.

A member who mentions the bot with a request gets a clip, as with `/video`; when the message carries a
picture, or replies to one, the video starts from that picture (like `/video image:`). The mention is
required: replies to pictures are mostly conversation. A mention with no words gets a short hint (a
mention is never left unanswered); a reply to a posted clip is a remix (cogs/remix.py answers it).
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import _, error_message, use
from bot.i18n import current as current_language
from bot.i18n.discord import server_language
from bot.members import interaction_member, message_member
from bot.model_choices import check_loadable, model_autocomplete
from bot.origin import Origin, upload_limit
from bot.pictures import is_picture, read_attachment
from bot.incidents import incident
from bot.references import clip_ref
from bot.take_views import TakeButton
from bot.views import queue_from_interaction, waiting_text
from common.errors import ReelbotError
from studio import remix as remixing
from studio.cast.intake import AwaitingApproval
from studio.members import Member
from studio.requests import Accepted, VideoOptions
from studio.takes import finalize

if TYPE_CHECKING:
    from bot.app import ReelBot

log = logging.getLogger(__name__)

class TakesCog(commands.Cog):
    def __init__(self, bot: "ReelBot") -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(TakeButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(TakeButton)

    @app_commands.command(name="finalize", description="Re-render a draft clip in full quality")
    @app_commands.guild_only()
    @app_commands.describe(clip="The clip's number or message link", model="A better model to render it on")
    @app_commands.autocomplete(model=model_autocomplete)
    async def finalize(self, interaction: discord.Interaction, clip: str, model: str | None = None) -> None:
        check_loadable(interaction, model)
        studio = self.bot.studio
        # The clip as the member sees it where they are (the one rule of studio.members).
        asking, _settings = await interaction_member(studio, interaction)
        member_clip = await remixing.resolve_clip(studio, clip_ref(clip), asking)

        async def submit(member: Member, origin: dict[str, Any]) -> Accepted:
            return await finalize(studio, member, member_clip.id, model=model, origin=origin)

        await queue_from_interaction(interaction, submit)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if message.author.bot or message.guild is None or me is None or me not in message.mentions:
            return
        reference = message.reference
        if reference is not None and reference.message_id and await self.bot.studio.clip_posted_as(reference.message_id):
            return  # a reply to a posted clip is a remix of it (cogs/remix.py)
        text = message.content.replace(f"<@{me.id}>", "").replace(f"<@!{me.id}>", "").strip()
        # No interaction, so no client language: the reply speaks the server's.
        with use(await server_language(self.bot.studio, self.bot, message.guild.id)):
            if not text:
                await self._reply_briefly(message, _(
                    "🎬 Tell me what to make after the mention, e.g. `@{name} a fox digging in the snow`. Attach a "
                    "picture (or reply to one) to start the video from it. `/help` lists everything.",
                    name=me.display_name))
                return
            await self._mention_request(message, text, await self._picture_of(message))

    async def _reply_briefly(self, message: discord.Message, text: str) -> None:
        """A reply that goes away after a minute: a hint or a refusal needn't stay in the channel."""
        try:
            await message.reply(text, mention_author=False, delete_after=60)
        except discord.HTTPException as error:
            log.info("could not answer a mention in channel %s: %s", message.channel.id, error)

    async def _mention_request(
        self, message: discord.Message, text: str, attachment: discord.Attachment | None
    ) -> None:
        assert message.guild is not None
        starting = _("🎬 Starting from your picture…") if attachment is not None else _("🎬 On it…")
        status = await message.reply(starting, mention_author=False)
        with self.bot.delivery.hold(status.id):
            try:
                member, settings = await message_member(self.bot.studio, message)
                origin = Origin(guild_id=message.guild.id, channel_id=message.channel.id, requester_id=member.id,
                                upload_limit=upload_limit(message.guild.filesize_limit, settings),
                                status_message_id=status.id, language=current_language())  # fmt: skip
                options = VideoOptions()
                if attachment is not None:
                    picture = await read_attachment(attachment, self.bot.studio.config.media_dir)
                    options = VideoOptions(image=str(picture.path))
                accepted = await self.bot.studio.create(member, text, options, origin=origin.to_dict())
            except AwaitingApproval as waiting:
                await status.edit(content=waiting_text(waiting))
                return
            except ReelbotError as error:
                await status.edit(content=f"⚠️ {error_message(error)}", delete_after=60)
                return
            except Exception as error:
                await status.edit(content=incident(f"mention request in channel {message.channel.id}", error),
                                  delete_after=60)
                return
            await status.edit(**await self.bot.delivery.status(accepted))

    async def _picture_of(self, message: discord.Message) -> discord.Attachment | None:
        """The picture a request starts from: the message's own, else the replied-to message's (not a
        posted clip's: a reply to a clip is a remix). Only messages of this channel, which the member sees."""
        own = next((a for a in message.attachments if is_picture(a)), None)
        if own is not None or message.reference is None or message.reference.message_id is None:
            return own
        replied = message.reference.resolved
        if not isinstance(replied, discord.Message):
            try:
                replied = await message.channel.fetch_message(message.reference.message_id)
            except discord.HTTPException:
                return None
        return next((a for a in replied.attachments if is_picture(a)), None)


async def setup(bot: "ReelBot") -> None:
    await bot.add_cog(TakesCog(bot))
