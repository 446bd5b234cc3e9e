"""Remix notices on the loopback Discord: the author of a remixed clip gets one short direct message in their
own language linking the remix, until they turn it off (`/remixes notify:False`, or `/notify off` in the
console); forgetting the remixer takes the message down."""
from __future__ import annotations

from bot.console import ConsoleSession, console_member
from bot.console.replies import describe_notice
from bot_harness import QUICK, World
from challenge_fixtures import ready_clip
from discord_fake import FakeMember, FakeMessage
from journey import direct_messages
from studio.notices import remix_notice

__all__: list[str] = []


def notes(world: World, member: FakeMember) -> list[FakeMessage]:
    return [m for m in direct_messages(world.fake, member) if "🔁" in m.content]


async def test_an_author_hears_of_a_remix_in_their_language_until_they_turn_it_off(world: World, worker) -> None:  # noqa: ANN001
    fake = world.fake
    mei = fake.add_member(world.guild, 1010, "mei", locale="zh-CN")
    async with fake.running(world.bot()):
        await (await fake.slash(mei, "video", {"prompt": "一只熊猫在雪地里打滚", **QUICK})).wait_message()
        await world.posted_clip()
        await (await fake.slash(world.bob, "remix", {"clip": "#1", "change": "make it noir"})).wait_message()
        remix = await world.posted_clip()
        [note] = await fake.wait_until(lambda: notes(world, mei), what="mei to hear of bob's remix")
        link = f"https://discord.com/channels/{world.guild.id}/{world.general.id}/{remix.id}"
        # Mei's client speaks Chinese: so does her note, the command named as her client shows it.
        assert note.content == (f"🔁 **bob** 二创了你的短片 #1「{(await world.studio.clip(1)).shot_list['title']}」：{link}\n"
                                "-# 有人二创你的短片时我会告诉你。`/二创权限 通知:False` 可关闭这类通知。")
        # The remixer's own work and the channel get nothing more: one post per request.
        assert notes(world, world.bob) == [] and [m.id for m in fake.channel_messages(world.general)][-1] == remix.id

        shown = await (await fake.slash(mei, "remixes")).wait_message()
        assert shown.ephemeral and shown.content == "别人可以二创你的短片。\n有人二创你的短片时，我会私下告诉你。"
        off = await (await fake.slash(mei, "remixes", {"notify": False})).wait_message()
        assert off.content == "以后有人二创你的短片时，我不会再通知你。"
        await (await fake.slash(world.alice, "remix", {"clip": "#1", "change": "make it sunset"})).wait_message()
        await world.posted_clip()
        await world.delivered()
        assert len(notes(world, mei)) == 1

        ask = await (await fake.slash(world.bob, "forget me")).wait_message()
        await fake.click(ask, ask.custom_ids()[0], world.bob)
        await fake.wait_until(lambda: ask.content.startswith("Done"), what="bob to be forgotten")
        # The note named bob: it goes with him.
        await fake.wait_until(lambda: note.deleted, what="the note about bob's remix to be taken down")


async def test_who_is_told_of_a_remix_and_the_console_switch(world: World) -> None:
    studio = world.studio
    dora, eve = console_member("dora"), console_member("eve")
    kite = await ready_clip(studio, dora, title="Dora's kite")
    own = await ready_clip(studio, dora, parent=kite, title="Dora's kite again")
    remix = await ready_clip(studio, eve, parent=kite, title="Eve's kite")
    assert await remix_notice(studio, own) is None and await remix_notice(studio, kite) is None
    notice = await remix_notice(studio, remix)
    assert notice is not None and (notice.author_id, notice.parent.id, notice.remix.id) == (dora.id, kite.id, remix.id)
    # The console prints it for the author, who switches it off there.
    assert describe_notice(notice) == (f'🔁 dora: eve remixed your clip #{kite.id} "Dora\'s kite" as clip #{remix.id} '
                                       "(/notify off to stop these notes)")
    session = ConsoleSession(studio, dora)
    assert await session.handle("/notify maybe") == "usage: /notify on|off · e.g. /notify off"
    assert await session.handle("/notify off") == "you won't be told when someone remixes your clips"
    assert await remix_notice(studio, remix) is None
    assert await session.handle("/notify on") == "you'll be told when someone remixes your clips"
    assert await remix_notice(studio, remix) is not None
