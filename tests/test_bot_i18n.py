"""Chinese through the loopback server: replies in the member's language, posts in the server's, and slash
commands synced with their zh-CN names and descriptions."""
from __future__ import annotations

from bot_harness import QUICK, World, embed_text
from discord_fake import FakeMessage

REQUEST = "一只熊猫在雪地里打滚"


def labels(message: FakeMessage) -> list[str]:
    return [c.get("label") or c.get("placeholder") or "" for c in message.walk_components()
            if c.get("type") in (2, 3)]


async def test_a_chinese_member_gets_the_shot_list_progress_errors_and_buttons_in_chinese(
    world: World, worker  # noqa: ANN001
) -> None:
    fake = world.fake
    mei = fake.add_member(world.guild, 1010, "mei", locale="zh-CN")
    async with fake.running(world.bot()):
        refused = await (await fake.slash(mei, "video", {"prompt": REQUEST, "shots": 6})).wait_message()
        assert refused.ephemeral and refused.content == "请选择 1 到 4 个镜头。"

        ix = await fake.slash(mei, "video", {"prompt": REQUEST, "seed": 3, **QUICK})
        status = await ix.wait_message(lambda m: bool(m.embeds))
        # The status message is public: the English server reads it in English, as it reads the post.
        text = embed_text(status)
        assert "Shots (1, " in text and "by @mei" in text and "镜头" not in text, text
        assert labels(status) == ["Cancel"]

        posted = await world.posted_clip()
        # The guild speaks English: the post for everyone is in English, its buttons too.
        assert "is ready!" in posted.content and "Shots (1, " in embed_text(posted)
        assert labels(posted)[:2] == ["Remix", "Re-roll"]
        await fake.wait_until(lambda: status.deleted, what="the status message to give way to the post")
        shown = [edit.get("content") or "" for edit in status.edits]
        assert not any("正在" in line for line in shown), shown

        # A button on an English post answers the Chinese member in Chinese.
        details = await (await fake.click(posted, "reelbot:clip:details:1", mei)).wait_message()
        assert details.ephemeral and "短片 #1：详情" in embed_text(details)
        nope = await (await fake.click(posted, "reelbot:clip:delete:1", world.bob)).wait_message()
        assert nope.content == "Only the clip's author or a server admin can delete it."
        helped = await (await fake.slash(mei, "help")).wait_message()
        assert "随口说出想法" in embed_text(helped)


async def test_posts_for_everyone_use_the_servers_language(world: World, worker) -> None:  # noqa: ANN001
    fake = world.fake
    guild = fake.add_guild("熊猫电影", channels=("general",), locale="zh-CN")
    alice = fake.add_member(guild, 2001, "alice")  # an English client in a Chinese server
    async with fake.running(world.bot()):
        ix = await fake.slash(alice, "video", {"prompt": REQUEST, **QUICK}, guild=guild)
        status = await ix.wait_message(lambda m: bool(m.embeds))
        assert "镜头（1 个" in embed_text(status)  # public, so in the server's language
        posted = await world.posted_clip(guild.channel("general"))
        assert "做好了" in posted.content and "镜头（1 个" in embed_text(posted)
        assert labels(posted)[:5] == ["二创", "重新生成", "细微变化", "换风格", "延长"]


async def test_the_server_language_setting_is_the_fallback_for_unsupported_languages(world: World) -> None:
    fake = world.fake
    guild = fake.add_guild("Films", channels=("general",), locale="fr")
    pierre = fake.add_member(guild, 3001, "pierre", locale="fr")
    await world.studio.change_setting(guild.id, "language", "zh-CN", by_user_id=pierre.id)
    async with fake.running(world.bot()):
        answer = await (await fake.slash(pierre, "video", {"prompt": "un chat", "shots": 6}, guild=guild)).wait_message()
        assert answer.content == "请选择 1 到 4 个镜头。"


async def test_synced_commands_carry_their_chinese_names_and_descriptions(world: World) -> None:
    fake = world.fake
    async with fake.running(world.bot()):
        await fake.slash(world.alice, "help")
        video = fake.state.commands.find("video", world.guild.id)
        assert video["name_localizations"]["zh-CN"] == "视频"
        assert video["description_localizations"]["zh-CN"] == "把随口一说的想法变成多镜头视频"
        prompt = next(o for o in video["options"] if o["name"] == "prompt")
        assert prompt["name_localizations"]["zh-CN"] == "描述"
        assert prompt["description_localizations"]["zh-CN"].startswith("应该发生什么")
        challenge = fake.state.commands.find("challenge", world.guild.id)
        start = next(o for o in challenge["options"] if o["name"] == "start")
        assert start["name_localizations"]["zh-CN"] == "发起"
        kind = next(o for o in start["options"] if o["name"] == "kind")
        assert {c["name"]: c["name_localizations"]["zh-CN"] for c in kind["choices"]} == {"vote": "投票", "relay": "接力"}
        assert video["name_localizations"]["zh-TW"] == "影片"
        assert video["name_localizations"]["ja"] == "動画"
        assert prompt["name_localizations"]["ja"] == "プロンプト"
        # Every command and option has a name and description in each catalog language.
        for command in fake.state.commands.all():
            for locale in ("zh-CN", "zh-TW", "ja"):
                assert locale in command["name_localizations"], (command["name"], locale)
                assert locale in command["description_localizations"], (command["name"], locale)


async def test_remix_notes_and_lineage_in_the_members_language(world: World, worker) -> None:  # noqa: ANN001
    fake = world.fake
    guild = fake.add_guild("熊猫电影", channels=("general",), locale="zh-CN")
    mei = fake.add_member(guild, 4001, "mei", locale="zh-CN")
    sam = fake.add_member(guild, 4002, "sam", locale="en-US")
    async with fake.running(world.bot()):
        await fake.slash(mei, "video", {"prompt": REQUEST, "seed": 3, **QUICK}, guild=guild)
        await world.posted_clip(guild.channel("general"))
        remixed = await fake.slash(mei, "remix", {"clip": "#1", "change": "make it noir"}, guild=guild)
        text = embed_text(await remixed.wait_message(lambda m: bool(m.embeds)))
        # The remix note and the credit, made by the core as data, in Chinese.
        assert "风格：noir" in text and "二创自你的短片 #1" in text, text
        family = await (await fake.slash(mei, "lineage", {"clip": "#2"}, guild=guild)).wait_message()
        assert "#1 mei — 原作：" in family.content and "#2 mei — 风格：noir  ◀ 本短片" in family.content, family.content
        # The same tree for a member whose client speaks English.
        english = await (await fake.slash(sam, "lineage", {"clip": "#2"}, guild=guild)).wait_message()
        assert "#1 mei — original: " in english.content and "style: noir  ◀ this clip" in english.content
