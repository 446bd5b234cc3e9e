"""Secrets never leave: an LLM endpoint that echoes the API key inside a successful reply gets it redacted
before anything is parsed, stored or shown (common.intake.from_endpoint). A marker secret through every
surface: the database, the status message, the posted clip and its embed, the gallery page and the logs.

Found by the round's probes: the key went into the clip's title, was stored in SQLite, shown in the public
status embed and in the gallery page's <title>.
"""
from __future__ import annotations

import dataclasses
import json
import logging

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.gallery.app import create_app
from bot.gallery.links import GalleryLinks, clip_path
from bot.gallery.signing import Signer, load_secret
from bot_harness import World, embed_text, rendering
from common.redact import REDACTED
from prompts.messages import examples
from storage.settings import set_setting
from studio.runtime import open_studio

MARKER = "sk-marker-echoed-key-8d41c0"


def echoing_llm() -> web.Application:
    """An OpenAI-compatible endpoint whose successful shot list carries the caller's bearer token."""

    async def reply(request: web.Request) -> web.StreamResponse:
        key = request.headers.get("Authorization", "").removeprefix("Bearer ")
        shot_list = json.loads(json.dumps(examples()[0]["shot_list"]))
        shot_list["title"] = f"Fox {key}"
        shot_list["logline"] = f"a fox, says {key}"
        shot_list["shots"] = shot_list["shots"][:1]
        shot_list["shots"][0]["duration"] = 1
        shot_list["shots"][0]["prompt"] += f" ({key})"
        content = json.dumps(shot_list)
        return web.json_response({"id": "x", "object": "chat.completion",
                                  "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]})

    app = web.Application()
    app.router.add_post("/v1/chat/completions", reply)
    return app


async def test_an_echoed_key_is_redacted_on_every_surface(world: World, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    async with TestServer(echoing_llm()) as llm:
        config = world.config.model_copy(update={"expander": dataclasses.replace(
            world.config.expander, backend="openai", base_url=str(llm.make_url("/v1")), api_key=MARKER, retries=0)})
        studio = open_studio(config)
        try:
            await studio.adb.write(set_setting, world.guild.id, "gallery", "public")
            async with world.fake.running(world.bot(studio)):
                with rendering(config):
                    ix = await world.fake.slash(world.alice, "video", {"prompt": "a fox in the snow", "shots": 1,
                                                                       "duration": 1})
                    status = await ix.wait_message(lambda m: bool(m.embeds))
                    post = await world.posted_clip()
                    await world.delivered()
            clip = await studio.clip(1)
            assert clip.shot_list["title"] == f"Fox {REDACTED}"  # the LLM's plan was used, redacted
            links = GalleryLinks(Signer(load_secret(config.home)))
            async with TestClient(TestServer(create_app(studio, links.signer))) as gallery:
                page = await (await gallery.get(clip_path(world.guild.id, clip.id))).text()
            dump = "\n".join(await studio.adb.read(lambda db: list(db.conn.iterdump())))
        finally:
            await studio.aclose()
    surfaces = {
        "database": dump,
        "status message": status.content + embed_text(status),
        "posted clip": post.content + embed_text(post),
        "gallery page": page,
        "logs": caplog.text,
        "every body sent to Discord": "\n".join(json.dumps(r.json) for r in world.fake.requests if r.json),
    }
    leaked = [where for where, text in surfaces.items() if MARKER in text]
    assert leaked == []
    assert f"<title>Fox {REDACTED}" in page.replace("\n", "") or "Fox [redacted]" in page
