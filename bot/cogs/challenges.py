"""Community challenges: /challenge (vote contests and relay films), /relay, /profile, the announcement's
buttons, and the deadlines, fired by a DeadlineLoop that runs as long as this cog is loaded."""
from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import _, use
from bot.i18n.discord import server_language, server_speaking
from bot import challenge_embeds as texts
from bot import challenge_views, shown
from bot.challenge_posting import ChallengePoster
from bot.uploads import fit_video
from bot.challenge_views import CHALLENGE_ITEMS, COG_NAME, challenge_buttons
from bot.embeds import message_link
from bot.members import interaction_member
from bot.origin import upload_limit
from bot.relay_views import RelayButton, queue_turn, relay_buttons, send_film
from bot.replies import check_bot_can_post
from bot.model_choices import check_loadable, model_autocomplete
from prompts.schema import MAX_SHOT_SECONDS, MAX_SHOTS, MIN_SHOT_SECONDS
from studio.records import Challenge
from bot.references import clip_ref
from studio import profiles
from studio import remix as remixing
from studio.challenges import (
    MAX_RELAY_TURNS,
    MAX_THEME_CHARS,
    MAX_TURN_CHARS,
    ChallengeRules,
    ChallengeService,
    DeadlineLoop,
    RelayResults,
)
from studio.members import Member

if TYPE_CHECKING:
    from bot.app import ReelBot


def announcement_buttons(challenge: Challenge) -> discord.ui.View:
    return relay_buttons(challenge.id) if challenge.kind == "relay" else challenge_buttons(challenge.id)


class ChallengeCog(commands.Cog, name=COG_NAME):
    challenge = app_commands.Group(name="challenge", description="Community video challenges", guild_only=True)
    relay = app_commands.Group(name="relay", description="Relay films: everyone adds the next shot",
                               guild_only=True)

    def __init__(self, bot: "ReelBot") -> None:
        self.bot = bot
        self.service = ChallengeService(bot.studio, speaking=server_speaking(bot.studio, bot))
        self.poster = ChallengePoster(bot, self.service)
        self.deadlines = DeadlineLoop(self.service, self.poster.post_results)
        self._deadline_task: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        # Clicks on any announcement or menu ever posted are routed by custom_id, as for clips.
        self.bot.add_dynamic_items(*CHALLENGE_ITEMS, RelayButton)
        self.bot.delivery.after_post.append(self.poster.post_grown_film)
        # Catches up on deadlines that passed while the bot was down, then fires each as it comes.
        self._deadline_task = asyncio.create_task(self.deadlines.run(), name="reelbot-deadlines")

    async def cog_unload(self) -> None:
        if self._deadline_task is not None:
            self._deadline_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._deadline_task
            self._deadline_task = None
        self.bot.delivery.after_post.remove(self.poster.post_grown_film)
        self.bot.remove_dynamic_items(*CHALLENGE_ITEMS, RelayButton)

    # --- /challenge -------------------------------------------------------------------------------------

    @challenge.command(name="start", description="Start a challenge or a relay film (admins and moderators)")
    @app_commands.describe(
        theme="What it's about, e.g. cats at sea",
        duration="How long it runs, e.g. 48h, 90m, 2d, 1h30m",
        kind="vote: members enter clips and vote · relay: members take turns adding shots to one film",
        max_shots="Vote: the most shots an entry may have",
        model="Vote: the model entries must use · relay: the model every shot renders with",
        allow_remixes="Vote: may entries remix other members' clips? (default yes)",
        max_turns="Relay: the most shots in the film",
        shot_seconds="Relay: the length of each shot in seconds",
    )
    @app_commands.autocomplete(model=model_autocomplete)
    async def challenge_start(
        self,
        interaction: discord.Interaction,
        theme: app_commands.Range[str, 1, MAX_THEME_CHARS],
        duration: app_commands.Range[str, 1, 20],
        kind: Literal["vote", "relay"] = "vote",
        max_shots: app_commands.Range[int, 1, MAX_SHOTS] | None = None,
        model: str | None = None,
        allow_remixes: bool = True,
        max_turns: app_commands.Range[int, 2, MAX_RELAY_TURNS] | None = None,
        shot_seconds: app_commands.Range[float, MIN_SHOT_SECONDS, MAX_SHOT_SECONDS] | None = None,
    ) -> None:
        check_bot_can_post(interaction)
        member, _settings = await interaction_member(self.bot.studio, interaction)
        check_loadable(interaction, model)
        rules = ChallengeRules(max_shots=max_shots, model=model, allow_remixes=allow_remixes, max_turns=max_turns,
                               shot_seconds=shot_seconds)  # fmt: skip
        # A relay asks the expander for its style bible: that can take longer than Discord waits. Privately,
        # so a refusal leaves nothing in the channel; the announcement is a message of its own.
        await interaction.response.defer(ephemeral=True, thinking=True)
        view = await self.service.start(member, theme, duration, kind=kind, rules=rules)
        channel = self.bot.get_partial_messageable(view.challenge.channel_id, guild_id=view.challenge.guild_id)
        # Posted for everyone: in the server's language.
        gallery = await self.poster.gallery_link(view.challenge)
        with use(await server_language(self.bot.studio, self.bot, view.challenge.guild_id)):
            message = await channel.send(**texts.announcement(view, gallery=gallery),
                                         view=announcement_buttons(view.challenge))
        await self.service.set_announcement(view.challenge.id, message.id)
        await self.bot.studio.record_post(shown.announcement_post(message, view.challenge))
        link = message_link(view.challenge.guild_id, view.challenge.channel_id, message.id)
        await interaction.followup.send(_("✅ {challenge} has started: {link}", challenge=texts.name_of(view.challenge),
                                          link=link), ephemeral=True)

    @challenge.command(name="list", description="This server's challenges")
    async def challenge_list(self, interaction: discord.Interaction) -> None:
        member, _settings = await interaction_member(self.bot.studio, interaction)
        views = await self.service.list_challenges(member)
        await interaction.response.send_message(texts.listing(views), ephemeral=True)

    @challenge.command(name="show", description="A challenge's entries, or a relay's story so far")
    @app_commands.describe(id="The challenge's number, e.g. 3")
    async def challenge_show(self, interaction: discord.Interaction, id: app_commands.Range[int, 1, None]) -> None:
        member, _settings = await interaction_member(self.bot.studio, interaction)
        view = await self.service.show(member, id)
        await interaction.response.send_message(embed=texts.challenge_embed(view), ephemeral=True)

    @challenge.command(name="submit", description="Enter one of your clips (again to replace your entry)")
    @app_commands.describe(
        clip="Your clip's number (#12) or a link to its message",
        challenge="Which challenge (needed only when several are running)",
    )
    async def challenge_submit(
        self,
        interaction: discord.Interaction,
        clip: app_commands.Range[str, 1, 200],
        challenge: app_commands.Range[int, 1, None] | None = None,
    ) -> None:
        member, _settings = await interaction_member(self.bot.studio, interaction)
        entry = await remixing.resolve_clip(self.bot.studio, clip_ref(clip), member)
        await challenge_views.submit(interaction, entry.id, challenge)

    @challenge.command(name="vote", description="Vote for an entry (the Vote button does the same)")
    @app_commands.describe(challenge="The challenge's number", clip="The entry's clip number (#12) or link")
    async def challenge_vote(
        self,
        interaction: discord.Interaction,
        challenge: app_commands.Range[int, 1, None],
        clip: app_commands.Range[str, 1, 200],
    ) -> None:
        member, _settings = await interaction_member(self.bot.studio, interaction)
        entry = await remixing.resolve_clip(self.bot.studio, clip_ref(clip), member)
        await challenge_views.vote(interaction, challenge, entry.id)

    @challenge.command(name="close", description="End a challenge now and post its results (admins and moderators)")
    @app_commands.describe(id="The challenge's number")
    async def challenge_close(self, interaction: discord.Interaction, id: app_commands.Range[int, 1, None]) -> None:
        member, _settings = await interaction_member(self.bot.studio, interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        results = await self.service.close(member, id)
        await self.poster.post_results(results)
        await interaction.followup.send(_("🏁 {challenge} is closed; the results are posted.",
                                          challenge=texts.name_of(results.challenge)), ephemeral=True)

    @challenge.command(name="results", description="The results of a challenge that has ended")
    @app_commands.describe(id="The challenge's number")
    async def challenge_results(self, interaction: discord.Interaction, id: app_commands.Range[int, 1, None]) -> None:
        member, settings = await interaction_member(self.bot.studio, interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        results = await self.service.results(member, id)
        if isinstance(results, RelayResults):
            video, note = None, ""
            if results.film.path is not None:
                limit = upload_limit(interaction.filesize_limit, settings)
                video, note = await asyncio.to_thread(fit_video, results.film.path, limit,
                                                      self.bot.delivery.upload_dir)
            message = texts.final_cut_message(results, note=note, gallery=await self.poster.gallery_link(results.challenge))
            files = [discord.File(video, filename=f"relay-{id}.mp4")] if video is not None else []
        else:
            image = f"leaderboard-{id}.png" if results.leaderboard_path is not None else None
            message = texts.results_message(results, image=image,
                                            gallery=await self.poster.gallery_link(results.challenge))
            files = [discord.File(results.leaderboard_path, filename=image)] if image else []
        # Only the asker sees this copy: nobody needs pinging again.
        message["allowed_mentions"] = discord.AllowedMentions.none()
        await interaction.followup.send(files=files, ephemeral=True, **message)

    # --- /relay -----------------------------------------------------------------------------------------

    @relay.command(name="add", description="Add the next shot to the relay film")
    @app_commands.describe(text="What happens next, in your own words", relay="Which relay (only when several run)")
    async def relay_add(
        self,
        interaction: discord.Interaction,
        text: app_commands.Range[str, 1, MAX_TURN_CHARS],
        relay: app_commands.Range[int, 1, None] | None = None,
    ) -> None:
        await queue_turn(interaction, text, relay)

    @relay.command(name="film", description="Watch the relay film so far")
    @app_commands.describe(relay="Which relay (only when several run)")
    async def relay_film(
        self, interaction: discord.Interaction, relay: app_commands.Range[int, 1, None] | None = None
    ) -> None:
        await send_film(interaction, relay)

    # --- /profile ---------------------------------------------------------------------------------------

    @app_commands.command(name="profile", description="Clips, remixes received and challenge wins")
    @app_commands.guild_only()
    @app_commands.describe(member="Whose profile (default: yours)")
    async def profile(self, interaction: discord.Interaction, member: discord.Member | None = None) -> None:
        asker, _settings = await interaction_member(self.bot.studio, interaction)
        who = asker if member is None else Member(member.id, member.display_name, asker.guild_id, asker.channel_id, transport=asker.transport)
        user = member or interaction.user
        links = await self.bot.delivery.gallery_links(asker.guild_id)
        gallery = None if links is None or asker.guild_id is None else links.member(asker.guild_id, who.id)
        # Only the asker sees it: a profile is looked up, not announced.
        await interaction.response.send_message(
            embed=texts.profile_embed(await profiles.profile(self.bot.studio, who), user.display_avatar.url,
                                      gallery=gallery),
            allowed_mentions=discord.AllowedMentions.none(), ephemeral=True,
        )


async def setup(bot: "ReelBot") -> None:
    await bot.add_cog(ChallengeCog(bot))
