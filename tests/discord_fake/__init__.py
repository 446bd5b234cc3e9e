"""A Discord-compatible server on 127.0.0.1 for running the real discord.py client in tests.

Start with server.FakeDiscord; see tests/test_discord_fake.py for a complete example. Every REST body it
receives and returns is checked against Discord's OpenAPI spec (contract.py)."""

from .contract import ContractViolation
from .models import (
    DEFAULT_FILESIZE_LIMIT, ApiError, FakeAttachment, FakeChannel, FakeGuild, FakeInteraction, FakeMember,
    FakeMessage, FakeRole, FakeUser, Intent, MessageFlag, Perm, RecordedFile, RecordedRequest,
)
from .server import FakeDiscord

__all__ = [
    "DEFAULT_FILESIZE_LIMIT", "ApiError", "ContractViolation", "FakeAttachment", "FakeChannel", "FakeDiscord", "FakeGuild",
    "FakeInteraction", "FakeMember", "FakeMessage", "FakeRole", "FakeUser", "Intent", "MessageFlag", "Perm",
    "RecordedFile", "RecordedRequest",
]
