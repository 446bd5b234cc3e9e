"""/cast: members' own characters, the same in every shot and credited to them (studio.cast).

`/cast create|list|show|edit|delete`, and `/cast waiting` for owners to answer requests for their "ask me"
characters (the same Approve / Decline buttons the private prompt carries). Every answer is private;
every refusal too (bot.replies). The cog also runs the cast's round (bot.cast_views.CastRound).
"""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cast_views import ApprovalButton, CastRound, approval_view
from bot.embeds import ACCENT, clip_text, clip_text_lines
from bot.i18n import _, say
from bot.members import interaction_member
from bot.pictures import read_attachment
from studio.cast import approvals
from studio.cast.desk import CastDesk
from studio.cast.names import name_list
from studio.cast.rules import consent_text
from studio.records import Character

if TYPE_CHECKING:
    from bot.app import ReelBot

CONSENTS = [
    app_commands.Choice(name="this server", value="server"),
    app_commands.Choice(name="ask me", value="ask"),
    app_commands.Choice(name="only me", value="owner"),
]
# At most this many of the server's characters in `/cast list` (an embed holds 25 fields' worth of text).
LIST_LIMIT = 40


def character_embed(character: Character, gallery: str | None = None) -> discord.Embed:
    """A character's card: description, aliases, owner, consent, use notes, its first picture (attached
    as `character-<id>-1.png`)."""
    embed = discord.Embed(title=character.name, description=character.description, colour=ACCENT, url=gallery)
    embed.set_author(name=_("by @{owner}", owner=clip_text(character.owner_name, 80)))
    if character.aliases:
        embed.add_field(name=_("Also called"), value=clip_text(", ".join(character.aliases), 300))
    embed.add_field(name=_("Who may use them"), value=say(consent_text(character.consent)))
    embed.add_field(name=_("Use notes"), value=_("on") if character.notify else _("off"))
    if character.pictures:
        embed.set_image(url=f"attachment://character-{character.id}-1.png")
    embed.set_footer(text=_("Mention {name} in a request, or pick them with `/video cast:`.", name=character.name))
    return embed


def character_files(character: Character) -> list[discord.File]:
    """The character's pictures as attachments (`character-<id>-<n>.png`)."""
    return [discord.File(picture.path, filename=f"character-{character.id}-{number}.png")
            for number, picture in enumerate(character.pictures, start=1)]


class CastCog(commands.Cog):
    cast = app_commands.Group(name="cast", description="Your characters: the same look in every shot, credited to you")

    def __init__(self, bot: "ReelBot") -> None:
        self.bot = bot
        self.desk = CastDesk(bot.studio)
        self.round = CastRound(bot, bot, interval=bot.delivery.interval)
        self._round_task: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        # The buttons of every approval prompt ever sent, by any earlier process, are routed by custom_id.
        self.bot.add_dynamic_items(ApprovalButton)
        self._round_task = asyncio.create_task(self.round.run(), name="reelbot-cast-round")

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ApprovalButton)
        if self._round_task is not None:
            self._round_task.cancel()

    async def _pictures(self, *attachments: discord.Attachment | None) -> list:
        media = self.bot.studio.config.media_dir
        return [await read_attachment(attachment, media) for attachment in attachments if attachment is not None]

    async def _show(self, interaction: discord.Interaction, character: Character, heading: str) -> None:
        links = await self.bot.delivery.gallery_links(interaction.guild_id)
        gallery = None if links is None else links.character(character.guild_id, character.id)
        await interaction.followup.send(heading, embed=character_embed(character, gallery),
                                        files=character_files(character), ephemeral=True)  # fmt: skip

    @cast.command(name="create", description="Make a character: a name, a description and 1-3 pictures")
    @app_commands.guild_only()
    @app_commands.describe(
        name="What the character is called (members mention them by it)",
        description="How they look: face, hair, clothes (put in every shot they are in)",
        picture="A clear picture of the character (PNG, JPEG, WebP)",
        picture2="Another picture (optional)",
        picture3="Another picture (optional)",
        aliases="Other names, in any language, comma-separated (Mira, 米拉, ミラ)",
        consent="Who may use them: anyone in this server, anyone you approve each time, or only you",
        notify="Tell me when others use this character",
    )
    @app_commands.choices(consent=CONSENTS)
    async def create(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, 32],
        description: app_commands.Range[str, 1, 200],
        picture: discord.Attachment,
        picture2: discord.Attachment | None = None,
        picture3: discord.Attachment | None = None,
        aliases: app_commands.Range[str, 1, 300] | None = None,
        consent: str = "server",
        notify: bool = True,
    ) -> None:
        member, _settings = await interaction_member(self.bot.studio, interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        pictures = await self._pictures(picture, picture2, picture3)
        made = await self.desk.create(member, name, description, pictures, aliases=name_list(aliases),
                                      consent=consent, notify=notify)  # type: ignore[arg-type]
        await self._show(interaction, made, _("🎭 {name} is ready. Mention them in a request to feature them.",
                                              name=made.name))

    @cast.command(name="list", description="The characters of this server, and yours")
    async def list_(self, interaction: discord.Interaction) -> None:
        member, _settings = await interaction_member(self.bot.studio, interaction)
        here, elsewhere = await self.desk.characters(member)

        def line(character: Character) -> str:
            also = f" ({', '.join(character.aliases)})" if character.aliases else ""
            return _("**{name}**{also} by {owner} · {consent}", name=character.name, also=also,
                     owner=character.owner_name, consent=say(consent_text(character.consent)))

        embed = discord.Embed(title=_("Characters"), colour=ACCENT)
        embed.description = clip_text_lines("\n".join(line(c) for c in here[:LIST_LIMIT]), 4000) or _(
            "No characters in this server yet. Make one with `/cast create`.")
        if elsewhere:
            embed.add_field(name=_("Yours from other servers (bring them with `/video cast:`)"),
                            value=clip_text_lines("\n".join(line(c) for c in elsewhere[:LIST_LIMIT]), 1000),
                            inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @cast.command(name="show", description="A character: description, pictures, who may use them")
    @app_commands.describe(name="The character's name or alias")
    async def show(self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 32]) -> None:
        member, _settings = await interaction_member(self.bot.studio, interaction)
        character = await self.desk.find(member, name)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._show(interaction, character, "")

    @cast.command(name="edit", description="Change your character (what you leave out stays)")
    @app_commands.describe(
        name="The character's name or alias",
        new_name="A new name",
        description="A new description",
        aliases="New aliases, comma-separated (replaces them all; `-` for none)",
        consent="Who may use them",
        notify="Tell me when others use this character",
        picture="New pictures (replace them all)",
        picture2="Another new picture",
        picture3="Another new picture",
    )
    @app_commands.choices(consent=CONSENTS)
    async def edit(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, 32],
        new_name: app_commands.Range[str, 1, 32] | None = None,
        description: app_commands.Range[str, 1, 200] | None = None,
        aliases: app_commands.Range[str, 1, 300] | None = None,
        consent: str | None = None,
        notify: bool | None = None,
        picture: discord.Attachment | None = None,
        picture2: discord.Attachment | None = None,
        picture3: discord.Attachment | None = None,
    ) -> None:
        member, _settings = await interaction_member(self.bot.studio, interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        pictures = await self._pictures(picture, picture2, picture3) if picture or picture2 or picture3 else None
        edited = await self.desk.edit(
            member, name, new_name=new_name, description=description, consent=consent,  # type: ignore[arg-type]
            aliases=None if aliases is None else [] if aliases.strip() == "-" else name_list(aliases),
            notify=notify, pictures=pictures,
        )  # fmt: skip
        await self._show(interaction, edited, _("✏️ {name} is updated.", name=edited.name))

    @cast.command(name="delete", description="Delete your character (moderators: any of this server's)")
    @app_commands.describe(name="The character's name or alias")
    async def delete(self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 32]) -> None:
        member, _settings = await interaction_member(self.bot.studio, interaction)
        gone = await self.desk.delete(member, name)
        await interaction.response.send_message(_(
            "🗑️ {name} is deleted: no new clip can feature them. Clips already made keep their credit.",
            name=gone.name), ephemeral=True)

    @cast.command(name="waiting", description="Requests waiting for you to approve one of your characters")
    async def waiting(self, interaction: discord.Interaction) -> None:
        member, _settings = await interaction_member(self.bot.studio, interaction)
        waiting = await approvals.waiting_for(self.bot.studio, member)
        if not waiting:
            await interaction.response.send_message(_("Nobody is waiting for your answer."), ephemeral=True)
            return
        first, *rest = waiting
        await interaction.response.send_message(f"🎭 {say(first.prompt())}", view=approval_view(first.approval.id),
                                                ephemeral=True)  # fmt: skip
        for more in rest[:9]:
            await interaction.followup.send(f"🎭 {say(more.prompt())}", view=approval_view(more.approval.id),
                                            ephemeral=True)  # fmt: skip


async def setup(bot: "ReelBot") -> None:
    await bot.add_cog(CastCog(bot))
