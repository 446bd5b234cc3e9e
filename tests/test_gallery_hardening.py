"""The gallery against hostile clients: slow headers are cut off, malformed requests log one line."""
from __future__ import annotations

import asyncio
import logging
import socket
import time

from bot.gallery.app import start_gallery
from bot.gallery.links import video_path
from gallery_fixtures import ALICE, GUILD, client, links, make_clip, studio
from studio.config import Config

__all__ = ["client", "links", "studio"]  # fixtures


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_a_client_sending_headers_a_byte_at_a_time_is_closed_and_others_are_served(studio, tmp_path):
    port = free_port()
    config = Config(home=studio.config.home, gallery={"port": port, "request_timeout_s": 0.6})
    runner = await start_gallery(config, studio)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        started = time.monotonic()
        closed_after = None
        for byte in b"GET /static/gallery.css HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200:
            try:
                writer.write(bytes([byte]))
                await writer.drain()
                if await asyncio.wait_for(reader.read(1), 0.1) == b"":
                    closed_after = time.monotonic() - started
                    break
            except TimeoutError:
                continue
            except ConnectionError:
                closed_after = time.monotonic() - started
                break
        writer.close()
        assert closed_after is not None and closed_after < 3.0, "a slow-header connection was kept open"
        # A client that sends its request at once is served as before.
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /static/gallery.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = await asyncio.wait_for(reader.read(), 5)
        writer.close()
        assert answer.startswith(b"HTTP/1.1 200")
    finally:
        await runner.cleanup()


async def test_an_over_long_range_header_is_a_400_and_one_log_line(studio, client, links, caplog):
    clip = await make_clip(studio, ALICE)
    url = links.signed(GUILD, video_path(GUILD, clip.id))
    with caplog.at_level(logging.INFO):
        for value in ("bytes=" + "0-1," * 5000, "bytes=" + "9" * 9000 + "-"):
            answer = await client.get(url, headers={"Range": value})
            assert answer.status == 400
        for value in ("bytes=" + "9" * 5000 + "-", "bytes=x", "bytes=0-1,2-3", "bytes=-" + "9" * 5000):
            answer = await client.get(url, headers={"Range": value})
            assert answer.status in (200, 206, 416)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info or r.exc_text]
    refused = [r.getMessage() for r in caplog.records if "malformed request" in r.getMessage()]
    assert len(refused) == 2 and all(len(line) < 300 for line in refused)
