"""State records of the fake Discord: what exists (guilds, users, channels, messages) and what happened
(interactions, recorded requests). Payload shapes live in payloads.py; behaviour lives in state.py."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Iterator

if TYPE_CHECKING:
    from .server import FakeDiscord

DISCORD_EPOCH_MS = 1420070400000
DEFAULT_FILESIZE_LIMIT = 10 * 1024 * 1024  # Discord's limit for unboosted guilds and DMs
# A bot's message content limit (the spec's 4,000 is Nitro users'), and the total of a message's embeds
# (https://discord.com/developers/docs/resources/message#embed-object-embed-limits; not in the OpenAPI spec).
CONTENT_LIMIT = 2000
EMBED_TOTAL_LIMIT = 6000


class Perm:
    """Permission bits the fake checks or hands out (a subset of Discord's)."""

    CREATE_INSTANT_INVITE = 1 << 0
    ADMINISTRATOR = 1 << 3
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    USE_APPLICATION_COMMANDS = 1 << 31
    CREATE_PUBLIC_THREADS = 1 << 35
    SEND_MESSAGES_IN_THREADS = 1 << 38
    ALL = (1 << 53) - 1

    EVERYONE_DEFAULT = (
        CREATE_INSTANT_INVITE | ADD_REACTIONS | VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES
        | READ_MESSAGE_HISTORY | USE_EXTERNAL_EMOJIS | USE_APPLICATION_COMMANDS | SEND_MESSAGES_IN_THREADS
    )
    BOT_DEFAULT = EVERYONE_DEFAULT | MANAGE_MESSAGES | CREATE_PUBLIC_THREADS


class Intent:
    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    MESSAGE_CONTENT = 1 << 15


class MessageFlag:
    EPHEMERAL = 1 << 6
    LOADING = 1 << 7


class ApiError(Exception):
    """An error the fake answers with, shaped like Discord's: {"message", "code"[, "errors"]}."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None, retry_after: float = 0.01,
    ):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.errors = status, code, message, errors
        self.headers = headers or {}
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.status == 429:  # discord.py reads retry_after from a rate limit's body
            body.update(retry_after=self.retry_after, **{"global": False})
        if self.errors:
            body["errors"] = self.errors
        return body


def invalid_form(path: list[str], code: str, message: str) -> ApiError:
    """Discord's 400 50035 with the offending field nested under `errors`."""
    errors: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for key in reversed(path):
        errors = {key: errors}
    return ApiError(400, 50035, "Invalid Form Body", errors)


class Snowflakes:
    """Real-looking, strictly increasing snowflakes, so discord.py's created_at values make sense."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        now = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(self._last + 1, now)
        return self._last


def embed_size(embeds: list[dict[str, Any]]) -> int:
    """Characters counted toward EMBED_TOTAL_LIMIT: titles, descriptions, field names and values, footer
    texts and author names of all the message's embeds."""
    total = 0
    for embed in embeds:
        total += len(embed.get("title") or "") + len(embed.get("description") or "")
        total += sum(len(f.get("name") or "") + len(f.get("value") or "") for f in embed.get("fields") or [])
        total += len((embed.get("footer") or {}).get("text") or "") + len((embed.get("author") or {}).get("name") or "")
    return total


def iso_now() -> str:
    return datetime.now(timezone.utc).isoformat()


@dataclass
class FakeUser:
    id: int
    name: str
    bot: bool = False
    global_name: str | None = None
    # The language of the user's Discord client, sent as every interaction's `locale`.
    locale: str = "en-US"

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass
class FakeRole:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    managed: bool = False

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"


@dataclass
class FakeMember:
    user: FakeUser
    guild_id: int
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def mention(self) -> str:
        return self.user.mention


@dataclass
class FakeChannel:
    id: int
    name: str
    guild_id: int | None
    type: int = 0  # 0 guild text, 1 DM
    position: int = 0
    topic: str | None = None
    bot_denied: int = 0  # permissions denied to the bot here (an overwrite on the bot's member)
    recipient: FakeUser | None = None  # DM channels only

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    filesize_limit: int = DEFAULT_FILESIZE_LIMIT
    locale: str = "en-US"
    roles: dict[int, FakeRole] = field(default_factory=dict)
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)

    @property
    def everyone(self) -> FakeRole:
        return self.roles[self.id]

    @property
    def text_channels(self) -> list[FakeChannel]:
        return [c for c in self.channels.values() if c.type == 0]

    @property
    def default_channel(self) -> FakeChannel:
        return self.text_channels[0]

    def channel(self, name: str) -> FakeChannel:
        for channel in self.channels.values():
            if channel.name == name:
                return channel
        raise KeyError(f"guild {self.name!r} has no channel {name!r}; has {[c.name for c in self.channels.values()]}")

    def role(self, name: str) -> FakeRole:
        for role in self.roles.values():
            if role.name == name:
                return role
        raise KeyError(f"guild {self.name!r} has no role {name!r}")

    def member(self, user_id: int) -> FakeMember:
        return self.members[user_id]


@dataclass
class FakeAttachment:
    id: int
    filename: str
    data: bytes
    url: str
    content_type: str = "application/octet-stream"
    description: str | None = None
    ephemeral: bool = False

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class FakeMessage:
    id: int
    channel_id: int
    guild_id: int | None
    author: FakeUser
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[FakeAttachment] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    timestamp: str = field(default_factory=iso_now)
    edited_timestamp: str | None = None
    mentions: list[FakeUser] = field(default_factory=list)
    reference: FakeMessage | None = None
    webhook_id: int | None = None
    interaction: FakeInteraction | None = field(default=None, repr=False)
    reactions: dict[str, list[int]] = field(default_factory=dict)  # emoji -> user ids, in order
    # bodies of the bot's edits, in order (filling a deferred 'thinking' placeholder is not an edit)
    edits: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    nonce: int | str | None = None  # as the create request sent it, echoed in the message

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & MessageFlag.EPHEMERAL)

    @property
    def loading(self) -> bool:
        """A deferred 'is thinking…' placeholder that no follow-up or edit has filled yet."""
        return bool(self.flags & MessageFlag.LOADING)

    def walk_components(self) -> Iterator[dict[str, Any]]:
        stack = list(reversed(self.components))
        while stack:
            component = stack.pop()
            yield component
            children = list(component.get("components", []))
            for key in ("component", "accessory"):
                if isinstance(component.get(key), dict):
                    children.append(component[key])
            stack.extend(reversed(children))

    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for c in self.walk_components() if "custom_id" in c]

    def component(self, custom_id: str) -> dict[str, Any]:
        for component in self.walk_components():
            if component.get("custom_id") == custom_id:
                return component
        raise KeyError(f"message {self.id} has no component {custom_id!r}; has {self.custom_ids()}")

    def attachment(self, filename: str) -> FakeAttachment:
        for attachment in self.attachments:
            if attachment.filename == filename:
                return attachment
        raise KeyError(f"message {self.id} has no attachment {filename!r}; has {[a.filename for a in self.attachments]}")


@dataclass
class FakeInteraction:
    """One interaction the fake dispatched, and everything the bot did with it."""

    id: int
    token: str
    type: int  # 2 slash, 3 component, 5 modal submit
    user: FakeMember | FakeUser
    guild_id: int | None
    channel_id: int
    data: dict[str, Any]
    payload: dict[str, Any] = field(repr=False)
    message: FakeMessage | None = field(default=None, repr=False)  # component/modal source message
    trigger: FakeInteraction | None = field(default=None, repr=False)  # a modal submit's: what opened the modal
    callbacks: list[dict[str, Any]] = field(default_factory=list)  # bodies POSTed to /callback, in order
    original: FakeMessage | None = field(default=None, repr=False)
    followups: list[FakeMessage] = field(default_factory=list, repr=False)
    modal: dict[str, Any] | None = None  # the data of a type 9 (modal) callback
    dispatched_at: float = field(default_factory=time.monotonic)
    _fake: FakeDiscord | None = field(default=None, repr=False)

    @property
    def response_type(self) -> int | None:
        return self.callbacks[0]["type"] if self.callbacks else None

    @property
    def ephemeral(self) -> bool:
        return self.original is not None and self.original.ephemeral

    def messages(self) -> list[FakeMessage]:
        """The original response (when filled) then the follow-ups, without duplicates."""
        found: list[FakeMessage] = []
        for message in [self.original, *self.followups]:
            if message is not None and not message.loading and message not in found:
                found.append(message)
        return found

    # Waits default to the FakeDiscord's timeout and raise TimeoutError with a report of what the bot did.
    async def wait_response(self, timeout: float | None = None) -> dict[str, Any]:
        """The first callback body ({type, data}) the bot sent."""
        assert self._fake is not None
        return await self._fake.wait_until(
            lambda: self.callbacks[0] if self.callbacks else None,
            timeout=timeout, what=f"a response to interaction {self.id} ({self.data.get('name') or self.data.get('custom_id')})",
        )

    async def wait_message(
        self, predicate: Callable[[FakeMessage], bool] | None = None, *, timeout: float | None = None
    ) -> FakeMessage:
        """The first filled message of this interaction (original, then follow-ups) matching predicate."""
        assert self._fake is not None

        def find() -> FakeMessage | None:
            return next((m for m in self.messages() if predicate is None or predicate(m)), None)

        return await self._fake.wait_until(find, timeout=timeout, what=f"a message from interaction {self.id}")

    async def wait_followup(self, index: int = 0, *, timeout: float | None = None) -> FakeMessage:
        assert self._fake is not None
        return await self._fake.wait_until(
            lambda: self.followups[index] if len(self.followups) > index else None,
            timeout=timeout, what=f"follow-up #{index} of interaction {self.id}",
        )

    async def wait_modal(self, timeout: float | None = None) -> dict[str, Any]:
        assert self._fake is not None
        return await self._fake.wait_until(lambda: self.modal, timeout=timeout, what=f"a modal from interaction {self.id}")


@dataclass
class RecordedFile:
    field: str
    filename: str
    data: bytes
    content_type: str | None


@dataclass
class RecordedRequest:
    method: str
    path: str  # relative to /api/v10, e.g. "/channels/123/messages"
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None  # the JSON body, or the payload_json of a multipart body
    files: list[RecordedFile] = field(default_factory=list)
    status: int = 0
    response: Any = None

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"
