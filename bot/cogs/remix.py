"""Remixing and looking at clips: /remix, /clip, /lineage, and replying to a posted clip with a change."""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import N_, _, error_message, say, use
from bot.i18n import current as current_language
from bot.i18n.discord import server_language
from bot import embeds
from bot.members import interaction_member, message_member
from bot.origin import Origin, upload_limit
from bot.uploads import prepare_upload
from bot.incidents import incident
from bot.replies import missing_posting_permissions, permission_names, send_permission
from bot.notices import RemixNotices
from bot.take_views import posted_view
from bot.views import clip_credits, queue_remix, waiting_text
from common.errors import NotFound
from prompts.schema import MAX_SHOTS
from bot.references import clip_ref
from studio import notices
from studio import remix as remixing
from studio.cast.intake import AwaitingApproval
from common.errors import ReelbotError
from studio.lineage import lineage, lineage_image, lineage_text
from studio.service import Studio
from studio.takes import take_videos

if TYPE_CHECKING:
    from bot.app import ReelBot

log = logging.getLogger(__name__)


def code_block(text: str, limit: int = 1900) -> str:
    return "```\n" + embeds.clip_text_lines(text.replace("```", "'''"), limit) + "\n```"


# What /clip says of a clip in each state (storage/schema.py's clip statuses).
CLIP_STATUS = {
    "queued": N_("Clip #{clip_id} is queued."),
    "rendering": N_("Clip #{clip_id} is rendering."),
    "ready": N_("Clip #{clip_id} is ready."),
    "failed": N_("Clip #{clip_id} failed to render."),
    "cancelled": N_("Clip #{clip_id} was cancelled."),
}


class RemixCog(commands.Cog):
    def __init__(self, bot: "ReelBot") -> None:
        self.bot = bot
        self.notices = RemixNotices(bot)

    async def cog_load(self) -> None:
        # Authors hear of a remix once it is posted (bot.notices).
        self.bot.delivery.after_post.append(self.notices.after_post)

    async def cog_unload(self) -> None:
        self.bot.delivery.after_post.remove(self.notices.after_post)

    @property
    def studio(self) -> Studio:
        return self.bot.studio

    @app_commands.command(name="remix", description="Remix a clip: say what to change")
    @app_commands.guild_only()
    @app_commands.describe(
        clip="The clip's number (#12) or a link to its message",
        change="What to change: make it noir · shot 2: the monster roars · reroll · extend · swap 1 and 3",
        shot="Which shot the change is about (optional)",
    )
    async def remix(
        self,
        interaction: discord.Interaction,
        clip: app_commands.Range[str, 1, 200],
        change: app_commands.Range[str, 1, 600],
        # Discord's own check only knows the most any clip has; the clip's own shots are the core's to check.
        shot: app_commands.Range[int, 1, MAX_SHOTS] | None = None,
    ) -> None:
        member, _settings = await interaction_member(self.studio, interaction)
        source = await remixing.resolve_clip(self.studio, clip_ref(clip), member)
        await queue_remix(interaction, source.id, remixing.parse_change(change, shot))

    @app_commands.command(name="clip", description="Show a clip by its number")
    @app_commands.guild_only()
    @app_commands.describe(id="The clip's number, e.g. 12")
    async def clip(self, interaction: discord.Interaction, id: app_commands.Range[int, 1, None]) -> None:
        member, _settings = await interaction_member(self.studio, interaction)
        clip = await self.studio.visible_clip(member, id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        credits = await clip_credits(self.studio, clip)
        lines = [_(CLIP_STATUS.get(clip.status, N_("Clip #{clip_id} is {status}.")), clip_id=clip.id,
                   status=clip.status)]
        if clip.posted_message_id is not None and clip.channel_id is not None:
            lines.append(_("Posted here: {link}",
                           link=embeds.message_link(clip.guild_id, clip.channel_id, clip.posted_message_id)))
        files: list[discord.File] = []
        image = gallery = None
        if clip.status == "ready":
            gallery = await self.bot.delivery.gallery_link(clip)
            limit = upload_limit(interaction.filesize_limit, await self.studio.settings(interaction.guild_id))
            takes = await take_videos(self.studio, clip)
            upload = await asyncio.to_thread(prepare_upload, clip, limit, self.bot.delivery.upload_dir, takes=takes)
            files = upload.files(clip)
            image = files[-1].filename if upload.storyboard is not None else None
            lines += upload.text(clip, gallery)
        await interaction.followup.send(
            "\n".join(lines),
            embed=embeds.clip_embed(clip, credits=credits, image=image, gallery=gallery),
            files=files,
            view=posted_view(clip) if clip.status == "ready" else discord.utils.MISSING,
            ephemeral=True,
        )

    @app_commands.command(name="lineage", description="A clip's remix family tree")
    @app_commands.guild_only()
    @app_commands.describe(clip="The clip's number (#12) or a link to its message")
    async def lineage(self, interaction: discord.Interaction, clip: app_commands.Range[str, 1, 200]) -> None:
        member, _settings = await interaction_member(self.studio, interaction)
        source = await remixing.resolve_clip(self.studio, clip_ref(clip), member)
        await interaction.response.defer(ephemeral=True, thinking=True)
        tree = await lineage(self.studio, member, source.id)
        path = self.studio.config.media_dir / "lineage" / f"clip-{source.id}.png"
        image = await asyncio.to_thread(lineage_image, tree, path, say=say)
        await interaction.followup.send(
            code_block(lineage_text(tree, max_chars=1800, say=say)),
            file=discord.File(image, filename=f"lineage-{source.id}.png"),
            ephemeral=True,
        )

    @app_commands.command(name="remixes", description="Allow or stop others remixing your clips, and remix notes")
    @app_commands.describe(allow="Whether other members may remix your clips (your own remixes always work)",
                           notify="Whether I tell you privately when someone remixes one of your clips")
    async def remixes(self, interaction: discord.Interaction, allow: bool | None = None,
                      notify: bool | None = None) -> None:
        member, _settings = await interaction_member(self.studio, interaction)
        lines = []
        if allow is not None:
            opted_out = await remixing.set_opt_out(self.studio, member, not allow)
            lines.append(_("Others can't remix your clips now; remixes already made stay up.") if opted_out
                         else _("Others can remix your clips again, and you'll be credited on every remix."))
        if notify is not None:
            told = await notices.set_notices(self.studio, member, notify)
            lines.append(_("I'll tell you privately when someone remixes one of your clips.") if told
                         else _("I won't tell you when someone remixes your clips any more."))
        if not lines:  # neither option: what is set now
            opted_out = await remixing.opted_out(self.studio, member)
            told = await notices.wants_notices(self.studio, member)
            lines.append(_("Others can't remix your clips.") if opted_out else _("Others may remix your clips."))
            lines.append(_("I tell you privately when someone remixes one of your clips.") if told
                         else _("I don't tell you when someone remixes your clips."))
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A reply to a posted clip is a remix of it: "make it noir", "shot 2: the monster roars"."""
        reference = message.reference
        if message.author.bot or message.guild is None or reference is None or reference.message_id is None:
            return
        text = message.content.strip()
        if not text:
            return  # no message content intent, or only an attachment
        member, _settings = await message_member(self.studio, message)
        try:
            ref = remixing.ClipRef(message_id=reference.message_id)
            clip = await remixing.resolve_clip(self.studio, ref, member)
        except NotFound:
            return  # a reply to anything else is just conversation
        try:
            # No interaction, so no client language: the reply speaks the server's.
            with use(await server_language(self.studio, self.bot, message.guild.id)):
                await self._remix_reply(message, clip.id, text)
        except discord.HTTPException as error:
            log.warning("could not answer a remix reply in channel %s: %s", message.channel.id, error)

    async def _remix_reply(self, message: discord.Message, clip_id: int, text: str) -> None:
        assert message.guild is not None
        permissions = message.channel.permissions_for(message.guild.me)  # type: ignore[union-attr, arg-type]
        if not getattr(permissions, send_permission(message.channel)):
            return  # nowhere to answer
        missing = missing_posting_permissions(permissions, message.channel)
        if missing:
            await message.reply(_("I can't post clips in this channel: I'm missing {permissions}.",
                                  permissions=permission_names(missing)),
                                mention_author=False, delete_after=60)
            return
        status = await message.reply(_("🎬 Remixing clip #{clip_id}…", clip_id=clip_id), mention_author=False)
        with self.bot.delivery.hold(status.id):
            try:
                member, settings = await message_member(self.studio, message)
                origin = Origin(
                    guild_id=message.guild.id,
                    channel_id=message.channel.id,
                    requester_id=member.id,
                    upload_limit=upload_limit(message.guild.filesize_limit, settings),
                    status_message_id=status.id,
                    language=current_language(),
                )
                change = remixing.parse_change(text)
                accepted = await remixing.remix(self.studio, member, clip_id, change, origin=origin.to_dict())
                credit = embeds.credit_text(await remixing.ancestors(self.studio, accepted.clip), accepted.clip,
                                            yours=True)
            except AwaitingApproval as waiting:
                await status.edit(content=waiting_text(waiting))
                return
            except ReelbotError as error:
                await status.edit(content=f"⚠️ {error_message(error)}", delete_after=60)
                return
            except Exception as error:
                await status.edit(content=incident(f"remix reply to clip {clip_id}", error), delete_after=60)
                return
            await status.edit(**await self.bot.delivery.status(accepted, credit=credit))


async def setup(bot: "ReelBot") -> None:
    await bot.add_cog(RemixCog(bot))
