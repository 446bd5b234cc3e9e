"""Secrets stay out of every log, stdout, stderr and the database, even when an LLM endpoint echoes the
API key in its error body and the run is verbose."""
from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.cli import main
from common.redact import REDACTED, RedactingFilter
from storage.db import open_db

API_KEY = "sk-marker-api-key-5f2c9e"
TOKEN = "marker.discord.token.77aa"


class EchoingEndpoint(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint that refuses every call, echoing the request's headers."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = f'{{"error": "bad request", "headers": "{self.headers.get("Authorization")}"}}'.encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoingEndpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_no_secret_in_logs_output_or_database(tmp_path: Path, tiny_models_dir: Path, endpoint: str,
                                               monkeypatch: pytest.MonkeyPatch, capsys, caplog) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "models").symlink_to(tiny_models_dir, target_is_directory=True)
    for name, value in (("REELBOT_LLM_API_KEY", API_KEY), ("DISCORD_TOKEN", TOKEN), ("REELBOT_LLM_URL", endpoint)):
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.DEBUG)
    code = main(["generate", "a cat sails the sea", "--model", "tiny", "--llm", "openai", "--home", str(home),
                 "--shots", "1", "--duration", "1", "--draft", "-v", "--config", str(tmp_path / "none.toml")])
    # Code of ours or a library logging a secret, with a traceback that holds it.
    try:
        raise RuntimeError(f"login failed for {TOKEN}")
    except RuntimeError:
        logging.getLogger("discord.http").exception("request with key %s failed", API_KEY)
    out, err = capsys.readouterr()
    assert code == 0, err
    logged = caplog.text
    assert "answered HTTP 400" in logged and REDACTED in logged  # the echo was logged, redacted
    db = open_db(home / "reelbot.sqlite3")
    dump = "\n".join(db.conn.iterdump())
    db.close()
    files = "".join(p.read_text(errors="replace") for p in home.rglob("*.log"))
    for secret in (API_KEY, TOKEN):
        for where, text in (("stdout", out), ("stderr", err), ("log", logged), ("database", dump), ("files", files)):
            assert secret not in text, f"{secret} leaked into {where}"


def test_the_filter_redacts_arguments_tracebacks_and_stacks() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "token %s", (TOKEN,), None, sinfo=f"at {API_KEY}")
    try:
        raise ValueError(API_KEY)
    except ValueError as error:
        record.exc_info = (ValueError, error, error.__traceback__)
    assert RedactingFilter([TOKEN, API_KEY, "short"]).filter(record)
    text = logging.Formatter().format(record)
    assert TOKEN not in text and API_KEY not in text and text.count(REDACTED) == 3
