"""Remixing from Discord: the Remix modal, Vary and Extend buttons, replies to a clip, /remix, /clip, /lineage."""
from __future__ import annotations

from pathlib import Path

from bot_harness import QUICK, REQUEST, World, embed_text, video_of


async def test_every_way_to_remix_a_posted_clip(world: World, worker, tmp_path: Path) -> None:  # noqa: ANN001
    fake = world.fake
    async with fake.running(world.bot()):
        await fake.slash(world.alice, "video", {"prompt": REQUEST, "seed": 3, **QUICK})
        original = await world.posted_clip()

        opener = await fake.click(original, "reelbot:clip:remix:1", world.bob)
        modal = await opener.wait_modal()
        assert modal["title"] == "Remix clip #1"
        submitted = await fake.submit_modal(opener, {"change": "make it noir"})
        noir = await submitted.wait_message(lambda m: bool(m.embeds))
        assert not noir.ephemeral and "remix of alice's clip #1" in embed_text(noir)
        assert "style: noir" in embed_text(noir)

        await fake.say(world.alice, world.general, "shot 1: the monster roars at a taxi", reply_to=original)
        reply_status = await fake.wait_for_message(
            channel=world.general, predicate=lambda m: m.reference is not None and bool(m.embeds))
        assert "shot 1: the monster roars at a taxi" in embed_text(reply_status)

        extend = await fake.slash(world.bob, "remix", {"clip": f"https://discord.com/channels/{world.guild.id}/"
                                                               f"{world.general.id}/{original.id}", "change": "extend"})
        assert "extended the clip" in embed_text(await extend.wait_message(lambda m: bool(m.embeds)))
        vary = await fake.click(original, "reelbot:clip:vary:1", world.bob)
        assert "style:" in embed_text(await vary.wait_message(lambda m: bool(m.embeds)))

        remixes = [await world.posted_clip() for _ in range(4)]
        await world.delivered()
        kinds = {clip.remix_kind for clip in [await world.studio.clip(n) for n in range(2, 6)]}
        assert kinds == {"style", "shot", "extend"}
        extended = next(m for m in remixes if "extended" in embed_text(m))
        assert video_of(extended, tmp_path).frame_count > video_of(original, tmp_path).frame_count

        bad = await (await fake.slash(world.bob, "remix", {"clip": "the one with the monster", "change": "noir"})
                     ).wait_message()
        assert bad.ephemeral and "isn't a clip" in bad.content

        shown = await (await fake.slash(world.bob, "clip", {"id": 1})).wait_message()
        assert shown.ephemeral and f"/{original.id}" in shown.content
        assert video_of(shown, tmp_path).frame_count == video_of(original, tmp_path).frame_count
        assert "reelbot:clip:details:1" in shown.custom_ids()

        family = await (await fake.slash(world.bob, "lineage", {"clip": "#3"})).wait_message()
        assert family.ephemeral and "#1 alice" in family.content and "◀ this clip" in family.content
        assert family.attachment("lineage-3.png").data.startswith(b"\x89PNG")


async def test_opting_out_stops_others_remixing_but_not_the_author(world: World) -> None:
    fake = world.fake
    async with fake.running(world.bot()):
        answer = await (await fake.slash(world.alice, "remixes", {"allow": False})).wait_message()
        assert answer.ephemeral and "can't remix your clips" in answer.content
        await fake.slash(world.alice, "video", {"prompt": REQUEST, **QUICK})
        await fake.wait_for_message(channel=world.general, predicate=lambda m: bool(m.embeds))

        refused = await (await fake.slash(world.bob, "remix", {"clip": "#1", "change": "make it noir"})).wait_message()
        assert refused.ephemeral and "alice" in refused.content.lower()
        own = await fake.slash(world.alice, "remix", {"clip": "#1", "change": "make it noir"})
        assert not (await own.wait_message()).ephemeral

        await fake.slash(world.alice, "remixes", {"allow": True})
        allowed = await fake.slash(world.bob, "remix", {"clip": "#1", "change": "make it noir"})
        assert "style: noir" in embed_text(await allowed.wait_message(lambda m: bool(m.embeds)))


async def test_clips_stay_within_their_server(world: World) -> None:
    fake = world.fake
    elsewhere = fake.add_guild("Another Server")
    stranger = fake.add_member(elsewhere, 2001, "stranger")
    async with fake.running(world.bot()):
        await fake.slash(world.alice, "video", {"prompt": REQUEST, **QUICK})
        await fake.wait_for_message(channel=world.general, predicate=lambda m: bool(m.embeds))

        for command, options in (("clip", {"id": 1}), ("lineage", {"clip": "#1"}),
                                 ("remix", {"clip": "#1", "change": "make it noir"})):
            answer = await (await fake.slash(stranger, command, options, guild=elsewhere)).wait_message()
            assert answer.ephemeral and "no clip #1" in answer.content, command
        shown = await (await fake.slash(world.bob, "clip", {"id": 1})).wait_message()
        assert shown.ephemeral and "Clip #1" in shown.content
