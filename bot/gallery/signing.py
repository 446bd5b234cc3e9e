"""Signed gallery links: an HMAC-SHA256 of the page's path, keyed per server.

The secret is 32 random bytes in `<home>/gallery.key`, made on first use and readable only by its owner.
Each server's key is derived from it (HMAC of the server id), so a link signed for one server never
opens another's pages. Deleting the file revokes every link ever posted.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from common.files import staging_path

SECRET_FILE = "gallery.key"
SECRET_BYTES = 32
# 128 bits of the MAC: unguessable, and short enough for a chat message.
TOKEN_BYTES = 16


def load_secret(home: Path) -> bytes:
    """The gallery secret of this data folder, created (mode 0600) when missing. Processes starting at
    once agree on one secret: the file appears whole, through a hard link, or not at all."""
    path = Path(home) / SECRET_FILE
    try:
        secret = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = staging_path(path)
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(secrets.token_bytes(SECRET_BYTES))
        try:
            os.link(staging, path)
        except FileExistsError:
            pass  # another process won the race; use its secret
        finally:
            staging.unlink()
        secret = path.read_bytes()
    if len(secret) < SECRET_BYTES:
        raise ValueError(f"{path} is damaged (shorter than {SECRET_BYTES} bytes); delete it to make a new one")
    return secret


class Signer:
    """Signs and checks (server id, path) pairs. `path` is a URL path such as "/g/5/clip/12"."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _server_key(self, guild_id: int) -> bytes:
        return hmac.new(self._secret, f"reelbot gallery server {guild_id}".encode(), hashlib.sha256).digest()

    def sign(self, guild_id: int, path: str) -> str:
        """A URL-safe token of 22 characters."""
        mac = hmac.new(self._server_key(guild_id), path.encode(), hashlib.sha256).digest()[:TOKEN_BYTES]
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def verify(self, guild_id: int, path: str, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(self.sign(guild_id, path).encode(), token.encode())
