"""/help: every synced slash command with its syntax and an example, in the member's language, within
Discord's embed limits; and what needs no command (mentions, replies, buttons, the gallery)."""
from __future__ import annotations


from bot_harness import World, embed_text

__all__: list[str] = []

# Discord's limits: a field's value, all text of a message's embeds together.
FIELD_CHARS, EMBED_CHARS = 1024, 6000


def leaf_commands(synced: list[dict]) -> list[tuple[str, dict]]:
    """(qualified name, command or subcommand payload) for every command a member can type."""
    found = []
    for command in synced:
        subcommands = [o for o in command.get("options") or [] if o["type"] == 1]
        if subcommands:
            found += [(f"{command['name']} {sub['name']}", sub) for sub in subcommands]
        elif command.get("type", 1) == 1:
            found.append((command["name"], command))
    return found


async def test_help_gives_every_command_its_syntax_and_an_example(world: World) -> None:
    fake = world.fake
    mei = fake.add_member(world.guild, 1010, "mei", locale="zh-CN")
    async with fake.running(world.bot()):
        synced = await fake.wait_synced()
        english = await (await fake.slash(world.bob, "help")).wait_message()
        chinese = await (await fake.slash(mei, "help")).wait_message()

    assert english.ephemeral and chinese.ephemeral
    text = embed_text(english)
    for name, command in leaf_commands([c for c in synced if c.get("guild_id") in (None, str(world.guild.id))]):
        required = [o["name"] for o in command.get("options") or [] if o.get("required")]
        assert f"`/{' '.join([name, *required])}" in text, name
        assert f"e.g. `/{name}" in text, name
    assert "e.g. `/video prompt:a panda rolling in the snow, then it sleeps shots:3 takes:3`" in text
    for feature in ("Mention me", "Storyboard", "Animate", "Reply to a clip", "Buttons on a clip", "The gallery", "Finalize"):
        assert feature in text, feature
    # Chinese: command and option names as Discord shows them to a zh-CN client, examples in Chinese.
    zh = embed_text(chinese)
    assert "`/视频 描述" in zh and "熊猫" in zh and "Make a clip" not in zh
    for message in (english, chinese):
        assert sum(len(embed_text_of(embed)) for embed in message.embeds) <= EMBED_CHARS
        for embed in message.embeds:
            for field in embed.get("fields") or []:
                assert len(field["value"]) <= FIELD_CHARS and not field["value"].endswith("…"), field["name"]


def embed_text_of(embed: dict) -> str:
    parts = [embed.get("title") or "", embed.get("description") or ""]
    parts += [field["name"] + field["value"] for field in embed.get("fields") or []]
    return "".join(parts)
