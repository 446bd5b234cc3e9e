"""The OpenAI-compatible backend against a real aiohttp server on 127.0.0.1."""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from prompts.base import ExpanderConfig, ExpandOptions
from prompts.errors import ExpansionError
from prompts.expand import OpenAIExpander, build_expander
from prompts.messages import examples
from prompts.schema import StyleBible

Reply = Callable[[web.Request], Awaitable[web.StreamResponse]]
GOOD = examples()[0]["shot_list"]  # three valid shots about a fox


def completion(content: str) -> Reply:
    async def reply(_request: web.Request) -> web.StreamResponse:
        return web.json_response({"id": "x", "object": "chat.completion",
                                  "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]})
    return reply


def status(code: int) -> Reply:
    async def reply(_request: web.Request) -> web.StreamResponse:
        return web.json_response({"error": {"message": f"status {code}"}}, status=code)
    return reply


@dataclass
class FakeLLM:
    url: str
    release: asyncio.Event
    replies: list[Reply] = field(default_factory=list)
    bodies: list[dict] = field(default_factory=list)
    headers: list[dict] = field(default_factory=list)

    def script(self, *replies: Reply) -> None:
        """Replies in order; the last one repeats."""
        self.replies = list(replies)

    def slow(self) -> Reply:
        async def reply(_request: web.Request) -> web.StreamResponse:
            await self.release.wait()
            return await completion(json.dumps(GOOD))(_request)
        return reply

    def config(self, **overrides) -> ExpanderConfig:
        values = {"backend": "openai", "base_url": self.url, "model_id": "test-model", "timeout": 5.0,
                  "retries": 2, "retry_backoff": 0.01}
        return ExpanderConfig(**{**values, **overrides})


@pytest.fixture
async def llm():
    release = asyncio.Event()
    fake = FakeLLM(url="", release=release)

    async def handler(request: web.Request) -> web.StreamResponse:
        fake.bodies.append(await request.json())
        fake.headers.append(dict(request.headers))
        reply = fake.replies.pop(0) if len(fake.replies) > 1 else fake.replies[0]
        return await reply(request)

    app = web.Application()
    app.router.add_post("/v1/chat/completions", handler)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    fake.url = str(server.make_url("/v1"))
    yield fake
    release.set()  # let slow handlers finish so the server closes at once
    await server.close()


async def test_good_json_reply(llm):
    llm.script(completion(json.dumps(GOOD)))
    config = llm.config(api_key="sk-test", json_mode=True)
    shot_list = await build_expander(config).expand("a fox exploring a snowy forest at dawn")

    assert shot_list.backend == "openai"
    assert shot_list.title == GOOD["title"]
    assert [shot.prompt for shot in shot_list.shots] == [shot["prompt"] for shot in GOOD["shots"]]
    (body,) = llm.bodies
    assert body["model"] == "test-model"
    assert body["response_format"] == {"type": "json_object"}
    assert [message["role"] for message in body["messages"]] == ["system", "user"]
    assert "a fox exploring a snowy forest at dawn" in body["messages"][1]["content"]
    assert llm.headers[0]["Authorization"] == "Bearer sk-test"


async def test_json_in_prose_and_fences_with_trailing_commas_is_repaired(llm):
    text = json.dumps(GOOD, indent=2).replace('"duration": 3', '"duration": "3s"').replace("}\n  ]", "},\n  ]")
    llm.script(completion(f"Of course! Here is your shot list:\n\n```json\n{text}\n```\n\nLet me know!"))
    shot_list = await build_expander(llm.config()).expand("a fox exploring a snowy forest at dawn")
    assert shot_list.backend == "openai"
    assert [shot.duration for shot in shot_list.shots] == [3.0, 3.0, 2.5]
    assert "Authorization" not in llm.headers[0]
    assert "response_format" not in llm.bodies[0]


async def test_garbage_falls_back_to_rules_without_retrying(llm, caplog):
    llm.script(completion("I am a teapot {{{ shots: ]]"))
    with caplog.at_level(logging.WARNING, logger="prompts.expand"):
        shot_list = await build_expander(llm.config()).expand("a giant monster walking through New York")
    assert shot_list.backend == "rules"
    assert "monster" in shot_list.shots[0].prompt
    assert len(llm.bodies) == 1
    assert "openai expander failed" in caplog.text


async def test_slow_reply_times_out_quickly_and_falls_back(llm):
    llm.script(llm.slow())
    started = time.monotonic()
    shot_list = await build_expander(llm.config(timeout=0.2, retries=1)).expand("a cat on a beach")
    assert time.monotonic() - started < 2.0
    assert shot_list.backend == "rules"
    assert len(llm.bodies) == 2  # timeouts are retried


async def test_server_error_is_retried(llm):
    llm.script(status(500), status(503), completion(json.dumps(GOOD)))
    shot_list = await build_expander(llm.config()).expand("a fox in the snow")
    assert shot_list.backend == "openai"
    assert len(llm.bodies) == 3


async def test_retries_run_out(llm):
    llm.script(status(502))
    with pytest.raises(ExpansionError, match="failed 3 times"):
        await OpenAIExpander(llm.config()).expand("a fox in the snow")
    assert len(llm.bodies) == 3


async def test_client_error_is_not_retried(llm):
    # A retry would get the good reply; a 4xx must go straight to the rules.
    llm.script(status(400), status(400), completion(json.dumps(GOOD)))
    shot_list = await build_expander(llm.config()).expand("a fox in the snow")
    assert shot_list.backend == "rules"
    assert len(llm.bodies) == 1
    with pytest.raises(ExpansionError, match="HTTP 400"):
        await OpenAIExpander(llm.config()).expand("a fox in the snow")


async def test_requested_shot_count_is_enforced(llm):
    llm.script(completion(json.dumps(GOOD)))
    expander = build_expander(llm.config())
    five = await expander.expand("a fox exploring a snowy forest in 5 shots")
    one = await expander.expand("a fox exploring a snowy forest", ExpandOptions(shots=1))
    assert (five.backend, len(five.shots), one.backend, len(one.shots)) == ("openai", 5, "openai", 1)
    assert [shot.prompt for shot in five.shots[:3]] == [shot["prompt"] for shot in GOOD["shots"]]
    assert five.shots[3].prompt != five.shots[4].prompt
    assert five.shots[4].style == GOOD["bible"]["style"]  # rules padding under the model's bible


async def test_remix_bible_is_kept(llm):
    llm.script(completion(json.dumps(GOOD)))
    bible = StyleBible(style="claymation", characters="Pip the clay fox", setting="a felt forest")
    shot_list = await build_expander(llm.config()).expand("now at night", ExpandOptions(bible=bible))
    assert shot_list.backend == "openai"
    assert shot_list.bible == bible
    assert bible.model_dump_json() in llm.bodies[0]["messages"][1]["content"]


@pytest.mark.parametrize("content", ["", "   ", json.dumps({"title": "no shots"}),
                                     json.dumps({"shots": [{"prompt": "一只狐狸在雪地里奔跑，清晨的阳光，电影感"}]})])
async def test_empty_or_invalid_replies_fall_back(llm, content):
    llm.script(completion(content))
    shot_list = await build_expander(llm.config()).expand("一只狐狸在森林里奔跑")
    assert shot_list.backend == "rules"
    assert "fox" in shot_list.shots[0].prompt


async def test_unreachable_server_falls_back():
    server = TestServer(web.Application(), host="127.0.0.1", port=0)
    await server.start_server()
    url = str(server.make_url("/v1"))
    await server.close()
    config = ExpanderConfig(backend="openai", base_url=url, timeout=1, retries=1, retry_backoff=0.01)
    assert (await build_expander(config).expand("a cat")).backend == "rules"
