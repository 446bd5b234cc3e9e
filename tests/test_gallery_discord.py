"""Clip posts in Discord link to the gallery: "Open in gallery" on every post while the gallery is on, and
"Watch the full clip" when the video could not be attached. The links the bot signs open in the gallery."""
from __future__ import annotations

import asyncio
import socket
from urllib.parse import urlsplit

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from bot import app as bot_app
from bot.app import _serve, create_bot, run_bot
from bot.gallery.app import create_app
from bot.gallery.links import GalleryLinks
from studio.config import Config
from bot_harness import QUICK, RENDER_TIMEOUT, REQUEST, World, embed_text, rendering
from storage.settings import set_setting


def gallery_field(message) -> str | None:
    fields = {field["name"]: field["value"] for field in message.embeds[0].get("fields") or []}
    return fields.get("Gallery")


async def test_posted_clips_link_to_the_gallery_and_the_link_opens_there(world: World, worker) -> None:
    async with world.fake.running(world.bot()) as bot:
        await world.fake.slash(world.alice, "video", {"prompt": REQUEST, **QUICK})
        posted = await world.posted_clip()
        clip = await world.studio.clip(1)
        await world.studio.adb.write(set_setting, world.guild.id, "gallery", "off")
        assert await bot.delivery.gallery_link(clip) is None

    link = GalleryLinks.of(world.config).clip(world.guild.id, 1)
    assert link.startswith("http://127.0.0.1:8765/g/")
    assert gallery_field(posted) == f"[Open in gallery]({link})" and posted.embeds[0]["url"] == link
    assert "Watch the full clip" not in posted.content  # the video is attached

    await world.studio.adb.write(set_setting, world.guild.id, "gallery", "link")
    async with TestClient(TestServer(create_app(world.studio, GalleryLinks.of(world.config).signer))) as client:
        parts = urlsplit(link)
        page = await client.get(f"{parts.path}?{parts.query}")
        assert page.status == 200 and f"Clip #{clip.id} by" in await page.text()
        assert (await client.get(parts.path)).status == 403  # the bare path, without the signature


async def test_a_clip_too_large_to_attach_links_to_the_full_clip(world: World) -> None:
    async with world.fake.running(world.bot()):
        await (await world.fake.slash(world.alice, "video", {"prompt": REQUEST, **QUICK})).wait_message(
            lambda m: bool(m.embeds))
        # Smaller than any encoding of the clip: Discord refuses the upload, and the smaller retry too.
        world.guild.filesize_limit = 500
        with rendering(world.config):
            posted = await world.fake.wait_for_message(
                channel=world.general, predicate=lambda m: "your clip #1 is ready" in m.content, timeout=RENDER_TIMEOUT
            )
        await world.delivered()

    link = GalleryLinks.of(world.config).clip(world.guild.id, 1)
    assert posted.attachments == []
    assert f"▶️ Watch the full clip: <{link}>" in posted.content and "too large" in posted.content
    assert "Open in gallery" in embed_text(posted)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_reelbot_run_serves_the_gallery_beside_the_bot(fake, config, monkeypatch) -> None:  # noqa: ANN001
    port = free_port()
    config = Config(home=config.home, discord_token=fake.token, gallery={"port": port})
    bots = []
    monkeypatch.setattr(bot_app, "create_bot", lambda *args, **kwargs: bots.append(create_bot(*args, **kwargs)) or bots[-1])
    serving = asyncio.create_task(_serve(config))
    try:
        await fake.wait_until(lambda: bots and bots[0].is_ready(), timeout=RENDER_TIMEOUT, what="the bot to connect")
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/") as response:
            assert response.status == 200 and "Reelbot gallery" in await response.text()
    finally:
        if bots:
            await bots[0].close()  # how the bot stops; `_serve` then closes the gallery and the studio
        await asyncio.wait_for(serving, RENDER_TIMEOUT)
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))  # the gallery let go of its port with the bot


def test_reelbot_run_says_plainly_when_the_gallery_port_is_taken(config, capsys) -> None:  # noqa: ANN001
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        gallery = {"port": taken.getsockname()[1]}
        code = run_bot(Config(home=config.home, discord_token="token", workers=0, gallery=gallery))
    err = capsys.readouterr().err
    assert code == 2 and "the gallery cannot listen on" in err and "Traceback" not in err


async def test_a_relay_film_too_large_to_attach_links_to_its_gallery_page(tmp_path) -> None:  # noqa: ANN001
    from bot.challenge_posting import send_video
    from gallery_fixtures import frames
    from generation.encoding import encode_mp4

    film = encode_mp4(frames(2), 8, tmp_path / "film.mp4")
    sent: list[dict] = []

    class Channel:
        async def send(self, **fields):  # noqa: ANN003, ANN202
            sent.append(fields)

    link = "https://films.example.org/g/1/challenge/3?s=token"
    await send_video(Channel(), film, "relay-3.mp4", 500, tmp_path, lambda note: {"content": note}, gallery=link)
    [message] = sent
    assert message["files"] == [] and message["content"].endswith(f"\n▶️ Watch the full film: <{link}>")
