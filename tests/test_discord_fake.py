"""The fake Discord server, exercised by the real discord.py client through a throwaway bot."""

from __future__ import annotations

import io

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from discord_fake import FakeDiscord, FakeMember, MessageFlag
from discord_fake.contract import SESSION, load_contract, spec_path

CLIP = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8


class AgainView(discord.ui.View):
    """Persistent: no timeout, fixed custom_id, so it survives restarts when added with bot.add_view."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Again", custom_id="reel:again", style=discord.ButtonStyle.primary)
    async def again(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content=f"again by {interaction.user.name}", view=None)

    @discord.ui.select(custom_id="reel:style", options=[discord.SelectOption(label=s) for s in ("noir", "pastel")])
    async def style(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.edit_message(content=f"style {select.values}")


class NoteModal(discord.ui.Modal, title="Leave a note"):
    note = discord.ui.TextInput(label="Note", custom_id="note", max_length=100)

    def __init__(self, notes: list[str]) -> None:
        super().__init__(custom_id="note-modal")
        self.notes = notes

    async def on_submit(self, interaction: discord.Interaction) -> None:
        self.notes.append(self.note.value)
        await interaction.response.send_message(f"noted: {self.note.value}", ephemeral=True)


def make_bot(
    notes: list[str], *, guild_id: int | None = None, message_content: bool = True, seen: list[str] | None = None
) -> commands.Bot:
    intents = discord.Intents.default()
    intents.message_content = message_content
    bot = commands.Bot(command_prefix="!", intents=intents, guild_ready_timeout=0.05)

    @bot.tree.command(description="Render a clip")
    async def video(interaction: discord.Interaction, prompt: str, frames: int = 8) -> None:
        await interaction.response.defer(thinking=True)
        clip = discord.File(io.BytesIO(CLIP), filename="clip.mp4")
        await interaction.followup.send(f"{prompt} x{frames!r}", file=clip, view=AgainView())

    @bot.tree.command(description="Whisper")
    async def secret(interaction: discord.Interaction) -> None:
        sent = await interaction.response.send_message("only you", ephemeral=True)
        await sent.resource.edit(content=f"only you, in message {sent.message_id}")

    @bot.tree.command(description="Leave a note")
    async def note(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(NoteModal(notes))

    challenge = app_commands.Group(name="challenge", description="Weekly challenges")

    @challenge.command(description="Start one")
    async def start(interaction: discord.Interaction, rounds: int, judge: discord.Member | None = None) -> None:
        await interaction.response.send_message(f"rounds={rounds!r} judge={judge.name if judge else None}")

    bot.tree.add_command(challenge)

    @bot.tree.command(description="Remix an image")
    async def remix(interaction: discord.Interaction, image: discord.Attachment, strength: float = 0.5) -> None:
        data = await image.read()  # downloaded from the fake's attachment URL
        await interaction.response.send_message(f"{image.filename} {image.content_type} {len(data)}B {strength!r}")

    @bot.event
    async def on_message(message: discord.Message) -> None:
        if seen is not None:
            seen.append(message.content)
        ref = message.reference
        if message.author.bot or ref is None or not isinstance(ref.resolved, discord.Message):
            return
        if ref.resolved.author == bot.user:
            await message.reply(f"you said {message.content!r} about {ref.resolved.content!r}")

    if guild_id is not None:
        @bot.tree.command(description="Guild only", guild=discord.Object(guild_id))
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(f"pong from {interaction.guild.name}")

    async def setup_hook() -> None:
        bot.add_view(AgainView())
        await bot.tree.sync()
        if guild_id is not None:
            await bot.tree.sync(guild=discord.Object(guild_id))

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch):
    async with FakeDiscord() as fake:
        fake.patch_discord(monkeypatch)
        yield fake
        assert fake.client_errors == []  # exceptions inside the bot's callbacks would land here


async def test_slash_defer_followup_file_and_button(fake: FakeDiscord) -> None:
    guild = fake.add_guild("Studio")
    alice = fake.add_member(guild, 1001, "alice")
    async with fake.running(make_bot([])):
        assert {c["name"] for c in fake.commands} == {"video", "secret", "note", "challenge", "remix"}
        assert fake.requests_matching("PUT", rf"/applications/{fake.app_id}/commands$")

        ix = await fake.slash(alice, "video", {"prompt": "a cat surfing", "frames": 16})
        message = await ix.wait_message(lambda m: bool(m.attachments))
        assert ix.response_type == 5  # deferred, then the follow-up filled the original
        assert message is ix.original and ix.followups == [message]
        assert message.content == "a cat surfing x16"
        assert message.attachment("clip.mp4").data == CLIP
        assert message.custom_ids() == ["reel:again", "reel:style"] and not message.ephemeral
        followup = fake.requests_matching("POST", rf"/webhooks/{fake.app_id}/")[-1]
        assert followup.query["wait"] == "1" and followup.files[0].filename == "clip.mp4"

        async with aiohttp.ClientSession() as http:  # a bot could download what it posted
            async with http.get(message.attachment("clip.mp4").url) as response:
                assert await response.read() == CLIP

        picked = await fake.click(message, "reel:style", alice, values=["noir"])
        await fake.wait_until(lambda: message.content == "style ['noir']", what="the select's edit")
        assert picked.response_type == 7 and message.custom_ids() == ["reel:again", "reel:style"]

        click = await fake.click(message, "reel:again", alice)
        await fake.wait_until(lambda: message.content == "again by alice", what="the button's edit")
        assert click.response_type == 7 and message.components == []
        assert fake.channel_messages(guild.default_channel) == [message]


async def test_ephemeral_modal_subcommand_and_option_typing(fake: FakeDiscord) -> None:
    guild = fake.add_guild()
    alice = fake.add_member(guild, 1001, "alice")
    judge = fake.add_member(guild, 1002, "judy", roles=["Judges"])
    notes: list[str] = []
    async with fake.running(make_bot(notes, guild_id=guild.id)):
        whisper = await (await fake.slash(alice, "secret")).wait_message(lambda m: bool(m.edits))
        assert whisper.content == f"only you, in message {whisper.id}"  # the callback's resource reached the bot
        assert whisper.flags & MessageFlag.EPHEMERAL
        assert whisper not in fake.channel_messages(guild.default_channel)

        pong = await (await fake.slash(alice, "ping")).wait_message()
        assert pong.content == f"pong from {guild.name}"

        opener = await fake.slash(alice, "note")
        modal = await opener.wait_modal()
        assert modal["custom_id"] == "note-modal" and opener.response_type == 9
        submitted = await fake.submit_modal(opener, {"note": "more fog"})
        reply = await submitted.wait_message()
        assert notes == ["more fog"] and reply.content == "noted: more fog" and reply.ephemeral

        started = await fake.slash(alice, "challenge start", {"rounds": 3, "judge": judge})
        assert (await started.wait_message()).content == "rounds=3 judge=judy"
        assert started.payload["data"]["resolved"]["members"][str(judge.id)]["roles"] == [str(guild.role("Judges").id)]

        remixed = await fake.slash(alice, "remix", {"image": ("still.png", CLIP), "strength": 1})
        assert (await remixed.wait_message()).content == f"still.png image/png {len(CLIP)}B 1.0"

        with pytest.raises(ValueError, match="integer option"):
            await fake.slash(alice, "challenge", {"rounds": "3"}, sub="start")
        with pytest.raises(ValueError, match="needs a subcommand"):
            await fake.slash(alice, "challenge")


async def test_upload_limit_and_missing_permissions_raise_in_bot(fake: FakeDiscord) -> None:
    guild = fake.add_guild(channels=("general", "locked"), filesize_limit=4096)
    fake.deny_bot(guild.channel("locked"))
    async with fake.running(make_bot([])) as bot:
        general = bot.get_channel(guild.channel("general").id)
        locked = bot.get_channel(guild.channel("locked").id)
        assert not locked.permissions_for(locked.guild.me).send_messages  # the overwrite reached the bot

        with pytest.raises(discord.HTTPException) as too_big:
            await general.send(file=discord.File(io.BytesIO(b"x" * 4097), filename="big.mp4"))
        assert (too_big.value.status, too_big.value.code) == (413, 40005)

        sent = await general.send("small enough", file=discord.File(io.BytesIO(b"x" * 4096), filename="ok.mp4"))
        posted = await fake.wait_for_message(channel=guild.channel("general"))
        assert posted.id == sent.id and posted.attachment("ok.mp4").size == 4096
        assert await sent.attachments[0].read() == b"x" * 4096  # discord.py downloads from the fake

        with pytest.raises(discord.Forbidden) as forbidden:
            await locked.send("hello?")
        assert forbidden.value.code == 50013
        assert fake.channel_messages(guild.channel("locked")) == []


async def test_member_replies_to_bot_message(fake: FakeDiscord) -> None:
    guild = fake.add_guild()
    alice: FakeMember = fake.add_member(guild, 1001, "alice")
    async with fake.running(make_bot([])) as bot:
        await bot.get_channel(guild.default_channel.id).send("clip #1 is ready")
        announcement = await fake.wait_for_message(channel=guild.default_channel)

        await fake.say(alice, guild.default_channel, "more dragons", reply_to=announcement)
        answer = await fake.wait_for_message(channel=guild.default_channel)
        assert answer.content == "you said 'more dragons' about 'clip #1 is ready'"
        assert answer.reference is not None and answer.reference.author is alice.user


async def test_content_needs_the_message_content_intent(fake: FakeDiscord) -> None:
    guild = fake.add_guild()
    alice = fake.add_member(guild, 1001, "alice")
    seen: list[str] = []
    async with fake.running(make_bot([], message_content=False, seen=seen)) as bot:
        await bot.get_channel(guild.default_channel.id).send("clip #2 is ready")
        announcement = await fake.wait_for_message()
        await fake.say(alice, None, "just chatting")
        await fake.say(alice, None, "reply pings the bot", reply_to=announcement)
        await fake.wait_for_message(predicate=lambda m: m.content.startswith("you said"))
    # Discord blanks content without the intent, except in messages that mention the bot.
    assert seen[:3] == ["clip #2 is ready", "", "reply pings the bot"]


async def test_unknown_routes_answer_404_naming_them(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {fake.token}"}) as http:
        async with http.post(f"{fake.api_base}/guilds/1/bans/2") as response:
            assert response.status == 404
            assert response.headers["Content-Type"] == "application/json"
            assert "POST /api/v10/guilds/1/bans/2" in (await response.json())["message"]
        async with http.get(f"{fake.api_base}/users/@me") as response:
            assert response.headers["Content-Type"] == "application/json"
            assert (await response.json())["id"] == str(fake.bot_user.id)
    assert [str(r) for r in fake.unhandled_requests] == ["POST /guilds/1/bans/2 -> 404"]


async def test_the_contract_report_counts_what_was_checked(fake: FakeDiscord) -> None:
    if load_contract() is None:
        pytest.skip(f"Discord's OpenAPI spec is not at {spec_path()}: the contract is not checked")
    guild = fake.add_guild()
    alice = fake.add_member(guild, 1001, "alice")
    before = SESSION.requests
    async with fake.running(make_bot([])):
        ix = await fake.slash(alice, "video", {"prompt": "a cat surfing"})
        message = await ix.wait_message(lambda m: bool(m.attachments))
        await fake.click(message, "reel:again", alice)
        await fake.wait_until(lambda: message.content == "again by alice", what="the button's edit")
    log = fake.contract.log
    assert {"get_my_user", "bulk_set_application_commands", "create_interaction_response", "execute_webhook"} \
        <= set(log.operations)
    # The sync, the deferral, the follow-up with its file and the button's update each carried a body.
    assert log.requests >= 4 and log.replies >= log.requests and log.violations == []
    assert log.summary().startswith(f"{len(log.operations)} operations, {log.requests} request bodies and "
                                    f"{log.replies} replies checked against Discord's OpenAPI spec")
    assert SESSION.requests - before == log.requests  # what pytest's summary line adds up


async def test_a_nonce_with_enforce_nonce_posts_once_within_the_window_as_discord_does(fake: FakeDiscord) -> None:
    import asyncio

    guild = fake.add_guild()
    async with fake.running(make_bot([])) as bot:
        channel = bot.get_channel(guild.default_channel.id)
        first = await channel.send("clip #7 is ready", nonce="reel-d-7")  # discord.py sets enforce_nonce
        again = await channel.send("clip #7 is ready", nonce="reel-d-7")
        assert again.id == first.id and fake.nonces.replayed == 1
        assert [m.id for m in fake.channel_messages(guild.default_channel)] == [first.id]
        sent = fake.requests_matching("POST", rf"/channels/{guild.default_channel.id}/messages$")
        assert [(r.json["nonce"], r.json["enforce_nonce"]) for r in sent] == [("reel-d-7", True)] * 2
        assert first.nonce == "reel-d-7"  # echoed in the message

        fake.nonces.window_s = 0.2  # Discord forgets nonces after a few minutes; then the same body posts again
        await asyncio.sleep(0.3)
        later = await channel.send("clip #7 is ready", nonce="reel-d-7")
        assert later.id != first.id and len(fake.channel_messages(guild.default_channel)) == 2
        await channel.send("no nonce")
        await channel.send("no nonce")
        assert len(fake.channel_messages(guild.default_channel)) == 4
