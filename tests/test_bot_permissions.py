"""Who may do what: deleting others' clips, server settings, and channels the bot can't post in."""
from __future__ import annotations

import discord
import pytest

from bot_harness import QUICK, REQUEST, World, embed_text, rendering
from discord_fake import FakeMessage, Perm
from common.errors import NotFound


async def test_only_the_author_or_an_admin_deletes_a_clip(world: World, worker) -> None:  # noqa: ANN001
    fake = world.fake
    async with fake.running(world.bot()):
        await fake.slash(world.alice, "video", {"prompt": REQUEST, **QUICK})
        posted = await world.posted_clip()
        await world.delivered()  # the bot records the posted message just after posting it

        refused = await (await fake.click(posted, "reelbot:clip:delete:1", world.bob)).wait_message()
        assert refused.ephemeral and "Only the clip's author or a server admin can delete it." in refused.content
        assert len(posted.attachments) == 2 and (await world.studio.clip(1)).status == "ready"

        deleted = await fake.click(posted, "reelbot:clip:delete:1", world.admin)
        await fake.wait_until(lambda: posted.edits, what="the clip message to be edited")
        assert deleted.response_type == 7
        assert posted.content == "🗑️ Clip #1 was deleted by boss." and posted.attachments == posted.embeds == []
        assert posted.components == []
        with pytest.raises(NotFound):
            await world.studio.clip(1)


async def test_settings_are_for_admins_and_validated(world: World) -> None:
    fake = world.fake
    async with fake.running(world.bot()):
        command = next(c for c in fake.commands if c["name"] == "settings")
        # Hidden from non-admins by default; the runtime check below holds if a server shows it anyway.
        assert int(command["default_member_permissions"]) == discord.Permissions(manage_guild=True).value

        refused = await (await fake.slash(world.bob, "settings set", {"key": "max_shots", "value": "2"})).wait_message()
        assert refused.ephemeral and refused.content == "You need the Manage Server permission to do that."
        shown = await (await fake.slash(world.bob, "settings show")).wait_message()
        assert shown.ephemeral and "Manage Server" in shown.content

        async def admin_sets(key: str, value: str) -> FakeMessage:
            return await (await fake.slash(world.admin, "settings set", {"key": key, "value": value})).wait_message()

        changed = await admin_sets("max_shots", "2")
        assert changed.ephemeral and changed.content == "✅ `max_shots` is now 2."
        bad = await admin_sets("max_shots", "lots")
        assert bad.ephemeral and bad.content == "`max_shots` must be a whole number."
        listed = await (await fake.slash(world.admin, "settings show")).wait_message()
        shown = embed_text(listed)
        assert "max_shots: 2 (set here)" in shown and "max_queued_per_user: 3 (default)" in shown
        # Settings left to the installation show its value, never None or a bare "bot default".
        assert "stills_first: off (this installation's default)" in shown, shown
        assert "None" not in shown and "bot default" not in shown
        assert "language: the server's Discord language (default)" in shown
    assert (await world.studio.settings(world.guild.id)).max_shots == 2


async def test_settings_name_only_models_roles_and_channels_that_exist_in_that_server(world: World) -> None:
    """The round's probes: `default_model ../../etc/passwd` was stored (then every /video was refused) and
    `moderator_roles -1` became the mention <@&-1>."""
    fake = world.fake
    judges = fake.add_role(world.guild, "judges")
    elsewhere = fake.add_guild("Elsewhere", channels=("lobby",))
    foreign_role = fake.add_role(elsewhere, "their mods")

    async def admin_sets(key: str, value: str) -> str:
        reply = await (await fake.slash(world.admin, "settings set", {"key": key, "value": value})).wait_message()
        assert reply.ephemeral
        return reply.content

    async with fake.running(world.bot()):
        assert await admin_sets("default_model", "../../etc/passwd") == (
            "`default_model` must be the name of a model, like wan-1.3b.")
        assert (await admin_sets("default_model", "wan-9000")).startswith("There is no model called `wan-9000`.")
        assert await admin_sets("moderator_roles", "-1") == "`moderator_roles` must list roles: @role mentions or their ids."
        assert await admin_sets("moderator_roles", f"<@&{foreign_role.id}>") == (
            f"This server has no role with the id {foreign_role.id}.")
        assert await admin_sets("allowed_channels", f"<#{elsewhere.channel('lobby').id}>") == (
            f"This server has no channel with the id {elsewhere.channel('lobby').id}.")
        assert await admin_sets("moderator_roles", f"<@&{judges.id}>") == f"✅ `moderator_roles` is now <@&{judges.id}>."
        assert (await admin_sets("allowed_channels", f"<#{world.general.id}>")).startswith("✅")
        assert (await admin_sets("default_model", "tiny")).startswith("✅")
    settings = await world.studio.settings(world.guild.id)
    assert (settings.moderator_roles, settings.allowed_channels, settings.default_model) == (
        [judges.id], [world.general.id], "tiny")


async def test_a_channel_the_bot_cannot_post_in_is_refused_before_rendering(world: World) -> None:
    fake = world.fake
    locked = world.guild.channel("locked")
    fake.deny_bot(locked, Perm.ATTACH_FILES)
    async with fake.running(world.bot()):
        ix = await fake.slash(world.alice, "video", {"prompt": REQUEST}, channel=locked)
        answer = await ix.wait_message()
        assert answer.ephemeral and "I'm missing Attach Files" in answer.content
    assert await world.studio.adb.read(lambda db: db["requests"].count) == 0


async def test_losing_permissions_mid_render_is_explained_and_the_outcome_recorded(world: World) -> None:
    fake = world.fake
    async with fake.running(world.bot()):
        first = await (await fake.slash(world.alice, "video", {"prompt": REQUEST, **QUICK})).wait_message(
            lambda m: bool(m.embeds))
        fake.deny_bot(world.general, Perm.SEND_MESSAGES)
        with rendering(world.config):
            await fake.wait_until(lambda: "can't post it in this channel" in first.content, timeout=60,
                                  what="the status message to explain the missing permission")
        assert f"<@{world.alice.id}>" in first.content and "/clip 1" in first.content
        assert fake.channel_messages(world.general) == [first]  # nothing else got through

        # Without even access to the channel, the requester hears about it in a DM.
        fake.allow_bot(world.general)
        second = await (await fake.slash(world.alice, "video", {"prompt": "a cat on a boat", **QUICK})).wait_message(
            lambda m: bool(m.embeds))
        fake.deny_bot(world.general, Perm.VIEW_CHANNEL)
        with rendering(world.config):
            dm = await fake.wait_for_message(predicate=lambda m: "clip #2" in m.content, timeout=60)
        assert fake.state.channels[dm.channel_id].recipient is world.alice.user
        assert "can't post it in this channel" not in second.content
        await world.delivered()

    for clip_id in (1, 2):
        clip = await world.studio.clip(clip_id)
        assert clip.status == "ready" and clip.posted_message_id is None
