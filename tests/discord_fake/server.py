"""FakeDiscord: a Discord-compatible server on 127.0.0.1 for running the real discord.py client in tests,
plus the test-facing API (build a guild, play members' actions, wait for what the bot does)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import traceback
from typing import Any, AsyncIterator, Callable, Iterable, Mapping, Sequence, TypeVar

from aiohttp import web

from .commands import build_command_data
from .contract import Checker, ContractViolation, load_contract
from .gateway import Gateway
from .nonces import NonceMemory
from .models import (
    DEFAULT_FILESIZE_LIMIT, ApiError, FakeChannel, FakeGuild, FakeInteraction, FakeMember, FakeMessage, FakeRole,
    FakeUser, Perm, RecordedRequest,
)
from .ratelimit import ChannelBudget
from .rest import API_PREFIX, InjectedError, Rest
from .state import FakeState

T = TypeVar("T")
UserLike = FakeMember | FakeUser | int
SELECTS = {3, 5, 6, 7, 8}


class FakeDiscord:
    """Usage: ``async with FakeDiscord() as fake: fake.patch_discord(monkeypatch); async with fake.running(bot): ...``"""

    def __init__(
        self, *, token: str = "fake-bot-token", app_id: int | None = None, bot_name: str = "Reelbot",
        interaction_deadline: float = 3.0, timeout: float = 5.0, check_contract: bool = True,
    ):
        """check_contract: validate every REST body against Discord's OpenAPI spec (contract.py) and raise
        ContractViolation when the fake closes after a violation; False for tests that send bad bodies."""
        self.contract = Checker(load_contract() if check_contract else None)
        self.state = FakeState(token=token, app_id=app_id, bot_name=bot_name, interaction_deadline=interaction_deadline)
        self.default_timeout = timeout
        self.client_errors: list[str] = []  # ERROR records discord.py logged (e.g. exceptions in commands)
        self.port = 0
        self._gateway: Gateway | None = None
        self._rest: Rest | None = None
        self._runner: web.AppRunner | None = None
        self._bot_task: asyncio.Task[None] | None = None
        self._seen: set[int] = set()
        self._log_handler = _ErrorLog(self.client_errors, self.state)

    # -- lifecycle -----------------------------------------------------------------------------------
    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        await self.stop()
        if exc_type is None:
            self.raise_contract_violations()

    def raise_contract_violations(self) -> None:
        """ContractViolation naming each distinct violation (operation, request or reply, JSONPath, rule)
        when the bot sent or the fake answered something Discord's contract does not allow."""
        if self.contract.log.violations:
            raise ContractViolation("Discord's contract was broken:\n" + self.contract.log.report())

    async def start(self) -> None:
        app = web.Application(client_max_size=1 << 30)
        app.router.add_get("/gateway", self._handle_gateway)
        app.router.add_route("*", "/{tail:.*}", self._handle_http)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.state.base_url = self.url
        self._gateway = Gateway(self.state, self.gateway_url)
        self._rest = Rest(self.state, self.gateway_url, self.contract)
        logging.getLogger("discord").addHandler(self._log_handler)

    async def stop(self) -> None:
        logging.getLogger("discord").removeHandler(self._log_handler)
        if self._bot_task is not None and not self._bot_task.done():
            self._bot_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._bot_task
        if self._gateway is not None:
            await self._gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle_gateway(self, request: web.Request) -> web.StreamResponse:
        return await self._gw.handle(request)

    async def _handle_http(self, request: web.Request) -> web.StreamResponse:
        return await self._api.handle(request)

    @property
    def _gw(self) -> Gateway:
        assert self._gateway is not None, "FakeDiscord is not started"
        return self._gateway

    @property
    def _api(self) -> Rest:
        assert self._rest is not None, "FakeDiscord is not started"
        return self._rest

    @property
    def budget(self) -> ChannelBudget:
        """The per-channel message budget the fake enforces (set `limit` and `window_s` to change it)."""
        return self._api.budget

    @property
    def nonces(self) -> NonceMemory:
        """The message nonces the fake enforces (set `window_s` to change how long it remembers them)."""
        return self._api.nonces

    def rate_limited(self) -> list[RecordedRequest]:
        """Requests the fake answered with 429."""
        return [request for request in self.state.requests if request.status == 429]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return self.url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def token(self) -> str:
        return self.state.token

    @property
    def app_id(self) -> int:
        return self.state.app_id

    @property
    def bot_user(self) -> FakeUser:
        return self.state.bot_user

    def patch_discord(self, monkeypatch: Any) -> None:
        """Point discord.py's REST base and gateway at this server (undone by monkeypatch)."""
        import discord
        import yarl

        # Route.BASE is read when a Route is built, so patching the class attribute redirects every request,
        # webhook/interaction ones included (discord.webhook imports the same Route class).
        monkeypatch.setattr(discord.http.Route, "BASE", self.api_base)
        monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(self.gateway_url))

    @contextlib.asynccontextmanager
    async def running(self, bot: Any, *, timeout: float = 10.0) -> AsyncIterator[Any]:
        """Start `bot` (a discord.Client) against this server, wait for on_ready, close it on exit."""
        import discord

        if discord.http.Route.BASE != self.api_base:
            raise RuntimeError("call fake.patch_discord(monkeypatch) before fake.running(bot)")
        self._bot_task = asyncio.create_task(bot.start(self.token), name="fake-discord-bot")
        self._bot_task.add_done_callback(lambda _: self.state.changed())
        try:
            await self.wait_until(bot.is_ready, timeout=timeout, what="the bot to become ready")
            yield bot
        finally:
            await bot.close()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._bot_task, 5)
            self._bot_task = None

    # -- waiting -------------------------------------------------------------------------------------
    async def wait_until(
        self, check: Callable[[], T], *, timeout: float | None = None, what: str | Callable[[], str] = "a condition"
    ) -> T:
        """Re-evaluate `check` on every change of the fake (and every 50 ms, for conditions on the bot's own
        state) until it returns something truthy; return that. On timeout raise TimeoutError with a report
        of what the bot did."""
        loop = asyncio.get_running_loop()
        timeout = self.default_timeout if timeout is None else timeout
        deadline = loop.time() + timeout
        while True:
            result = check()
            if result:
                return result
            task = self._bot_task
            if task is not None and task.done():
                error = None if task.cancelled() else task.exception()
                raise RuntimeError(f"the bot stopped while waiting for {_text(what)}: {error!r}") from error
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(self.report(f"Timed out after {timeout:.1f}s waiting for {_text(what)}."))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.state.waiter(), min(remaining, 0.05))

    async def wait_ready(self, timeout: float | None = None) -> None:
        """Until a bot has IDENTIFIED and received READY and its GUILD_CREATEs."""
        await self.wait_until(lambda: self._gw.identifies > 0, timeout=timeout,
                              what="the bot to IDENTIFY on the gateway")

    async def wait_synced(self, timeout: float | None = None) -> list[dict[str, Any]]:
        """Until the bot registered application commands (tree.sync); returns every registered command."""
        return await self.wait_until(self.state.commands.all, timeout=timeout, what="the bot to sync commands")

    async def wait_for_message(
        self, *, channel: FakeChannel | int | None = None, predicate: Callable[[FakeMessage], bool] | None = None,
        timeout: float | None = None, author: UserLike | None = None, ephemeral: bool | None = None,
    ) -> FakeMessage:
        """The oldest message not yet returned by this method that matches: posted by `author` (default: the
        bot), in `channel` (default: any), ephemeral or not (default: either), and satisfying `predicate`.
        Covers channel posts, interaction responses and follow-ups; a deferred 'thinking' placeholder counts
        once a follow-up or edit filled it. Each message is returned at most once."""
        author_id = self.bot_user.id if author is None else self._user(author).id
        channel_id = channel.id if isinstance(channel, FakeChannel) else channel

        def find() -> FakeMessage | None:
            for message in self.state.messages.values():
                if (message.id in self._seen or message.deleted or message.loading or message.author.id != author_id
                        or (channel_id is not None and message.channel_id != channel_id)
                        or (ephemeral is not None and message.ephemeral != ephemeral)):
                    continue
                if predicate is None or predicate(message):
                    return message
            return None

        where = f" in channel {channel_id}" if channel_id else ""
        message = await self.wait_until(find, timeout=timeout, what=f"a message from user {author_id}{where}")
        self._seen.add(message.id)
        return message

    def report(self, headline: str) -> str:
        lines = [headline]
        if self._gateway is not None and not self._gateway.sessions:
            lines.append("No bot is connected to the gateway (not started, or patch_discord not applied?).")
        lines.append("Last requests to the fake:")
        lines += [f"  {r}  {_short(r.json)}{_files(r)}" for r in self.state.requests[-12:]] or ["  (none)"]
        if self.state.unhandled:
            lines.append("Routes the fake does not implement: " + ", ".join(f"{r.method} {r.path}" for r in self.state.unhandled))
        if self.client_errors:
            lines.append("discord.py logged errors:")
            lines += ["  " + e.replace("\n", "\n  ") for e in self.client_errors[-3:]]
        return "\n".join(lines)

    # -- world building ------------------------------------------------------------------------------
    def add_guild(
        self, name: str = "Test Guild", *, guild_id: int | None = None, channels: Iterable[str] = ("general",),
        filesize_limit: int = DEFAULT_FILESIZE_LIMIT, everyone_permissions: int = Perm.EVERYONE_DEFAULT,
        bot_permissions: int = Perm.BOT_DEFAULT, owner_id: int | None = None, locale: str = "en-US",
    ) -> FakeGuild:
        """A guild the bot is in. Change `guild.filesize_limit` any time: uploads are checked against it."""
        return self.state.add_guild(
            name, guild_id=guild_id, channels=channels, filesize_limit=filesize_limit,
            everyone_permissions=everyone_permissions, bot_permissions=bot_permissions, owner_id=owner_id,
            locale=locale)

    def add_role(self, guild: FakeGuild, name: str, permissions: int = 0) -> FakeRole:
        return self.state.add_role(guild, name, permissions)

    def add_member(
        self, guild: FakeGuild, user_id: int | None = None, name: str = "member",
        roles: Sequence[FakeRole | int | str] = (), admin: bool = False, *, nick: str | None = None,
        locale: str | None = None,
    ) -> FakeMember:
        """roles: FakeRole, role ids, or role names (created with no permissions when unknown).
        admin=True adds an Administrator role. locale: the language of the member's Discord client
        (every interaction's `locale`), e.g. "zh-CN"; default en-US."""
        member = self.state.add_member(guild, user_id, name, roles, admin, nick)
        if locale is not None:
            member.user.locale = locale
        return member

    def add_channel(self, guild: FakeGuild, name: str, *, type: int = 0, topic: str | None = None) -> FakeChannel:
        return self.state.add_channel(guild, name, type=type, topic=topic)

    def deny_bot(self, channel: FakeChannel, permissions: int = Perm.SEND_MESSAGES) -> None:
        """Add a channel overwrite denying the bot `permissions`: its posts there then get 403 code 50013."""
        self.state.set_bot_denied(channel, channel.bot_denied | permissions)

    def allow_bot(self, channel: FakeChannel) -> None:
        self.state.set_bot_denied(channel, 0)

    def inject_error(
        self, method: str, path_pattern: str, *, status: int = 500, code: int = 0, message: str = "injected error",
        times: int = 1, headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer the next `times` requests whose path (relative to /api/v10) matches the regex with an error.
        discord.py retries 500/502/504/524 after sleeping 1 s, 3 s, ... (other 5xx raise DiscordServerError)
        and retries a 429 only when `headers` has `Via` (else it raises HTTPException)."""
        error = ApiError(status, code, message, headers=dict(headers or {}))
        self._api.injected.append(InjectedError(method.upper(), re.compile(path_pattern), error, times))

    # -- members' actions ----------------------------------------------------------------------------
    async def slash(
        self, user: UserLike, command: str, options: Mapping[str, Any] | None = None, *, sub: str | None = None,
        group: str | None = None, guild: FakeGuild | None = None, channel: FakeChannel | None = None,
        timeout: float | None = None,
    ) -> FakeInteraction:
        """A member runs a registered slash command. `command` may include the path ("challenge start").
        Options are typed against the registered schema; entity options take FakeMember/FakeUser/FakeRole/
        FakeChannel (or ids), attachment options take (filename, bytes)."""
        name, *path = command.split()
        if path:
            group, sub = (path[0], path[1]) if len(path) == 2 else (group, path[0])
        await self.wait_ready(timeout)
        channel, guild = self._where(user, guild, channel)
        guild_id = guild.id if guild else None

        def registered() -> dict[str, Any] | None:
            return self.state.commands.find(name, guild_id)

        schema = await self.wait_until(
            registered, timeout=timeout,
            what=lambda: f"/{name} to be registered; registered: {[c['name'] for c in self.state.commands.all()]}")
        invoker = self.state.member_of(guild, self._user(user)) if guild else None
        resolve, resolved = self.state.option_resolver(guild, channel, invoker)
        data = build_command_data(schema, sub=sub, group=group, options=dict(options or {}), resolve=resolve)
        if resolved:
            data["resolved"] = resolved
        return await self._dispatched(self.state.new_interaction(2, self._member_or_user(user, guild), channel, data))

    async def click(
        self, message: FakeMessage, custom_id: str, user: UserLike, *, values: Sequence[str] | None = None
    ) -> FakeInteraction:
        """A member clicks a button (or picks `values` in a select menu) on a message."""
        await self.wait_ready()
        component = message.component(custom_id)
        if message.deleted:
            raise ValueError(f"message {message.id} was deleted")
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} on message {message.id} is disabled")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if component["type"] in SELECTS:
            data["values"] = [str(v) for v in values or []]
        elif values is not None:
            raise ValueError(f"component {custom_id!r} is not a select menu")
        channel = self.state.channels[message.channel_id]
        guild = self.state.guilds.get(channel.guild_id) if channel.guild_id else None
        return await self._dispatched(
            self.state.new_interaction(3, self._member_or_user(user, guild), channel, data, message=message))

    async def submit_modal(
        self, source: FakeInteraction | str, values: Mapping[str, Any], user: UserLike | None = None, *,
        timeout: float | None = None,
    ) -> FakeInteraction:
        """A member submits the modal the bot opened: `source` is the interaction the bot answered with the
        modal, or the modal's custom_id. `values` maps text input custom_id -> text (select -> list)."""
        if isinstance(source, FakeInteraction):
            opener = source
            await opener.wait_modal(timeout)
        else:
            opener = await self.wait_until(
                lambda: next((i for i in reversed(self.state.interactions.values())
                              if i.modal and i.modal["custom_id"] == source), None),
                timeout=timeout, what=f"the bot to open modal {source!r}")
        assert opener.modal is not None
        components = _submitted_components(opener.modal["components"], values)
        data = {"custom_id": opener.modal["custom_id"], "components": components}
        channel = self.state.channels[opener.channel_id]
        guild = self.state.guilds.get(channel.guild_id) if channel.guild_id else None
        who = opener.user if user is None else self._member_or_user(user, guild)
        return await self._dispatched(self.state.new_interaction(5, who, channel, data, message=opener.message, trigger=opener))

    async def say(
        self, user: UserLike, channel: FakeChannel | None, content: str, reply_to: FakeMessage | None = None, *,
        mention_author: bool = True, files: Sequence[tuple[str, bytes]] = (),
    ) -> FakeMessage:
        """A member posts a message (MESSAGE_CREATE). reply_to makes it a reply (pinging the replied-to
        author unless mention_author=False); files are (filename, bytes) attachments."""
        await self.wait_ready()
        channel, guild = self._where(user, None, channel)
        author = self._user(user)
        if guild is not None:
            self.state.member_of(guild, author)
        message = self.state.user_message(author, channel, content, reply_to=reply_to,
                                          mention_author=mention_author, files=files)
        await self._gw.flush()
        return message

    async def react(self, user: UserLike, message: FakeMessage, emoji: str, *, add: bool = True) -> None:
        """A member adds (or removes) a reaction: MESSAGE_REACTION_ADD/REMOVE."""
        await self.wait_ready()
        self.state.react(message, self._user(user), emoji, add=add)
        await self._gw.flush()

    # -- inspection ----------------------------------------------------------------------------------
    @property
    def guilds(self) -> list[FakeGuild]:
        return list(self.state.guilds.values())

    @property
    def messages(self) -> list[FakeMessage]:
        """Every message ever created, in order (deleted and ephemeral ones included, flagged)."""
        return list(self.state.messages.values())

    @property
    def interactions(self) -> list[FakeInteraction]:
        return list(self.state.interactions.values())

    @property
    def commands(self) -> list[dict[str, Any]]:
        """Every registered application command as the bot's sync sent it, with ids."""
        return self.state.commands.all()

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.state.requests

    @property
    def unhandled_requests(self) -> list[RecordedRequest]:
        return self.state.unhandled

    def requests_matching(self, method: str | None = None, path: str | None = None) -> list[RecordedRequest]:
        """Recorded requests by method and a regex searched in the path (relative to /api/v10)."""
        return [r for r in self.state.requests
                if (method is None or r.method == method.upper()) and (path is None or re.search(path, r.path))]

    def channel_messages(self, channel: FakeChannel) -> list[FakeMessage]:
        """What members see in the channel: not deleted, not ephemeral, oldest first."""
        return self.state.channel_history(channel)

    # -- helpers -------------------------------------------------------------------------------------
    async def _dispatched(self, interaction: FakeInteraction) -> FakeInteraction:
        interaction._fake = self
        await self._gw.flush()
        return interaction

    def _user(self, user: UserLike) -> FakeUser:
        if isinstance(user, FakeMember):
            return user.user
        if isinstance(user, FakeUser):
            return user
        try:
            return self.state.users[user]
        except KeyError:
            raise ValueError(f"no user with id {user}; add_member first") from None

    def _member_or_user(self, user: UserLike, guild: FakeGuild | None) -> FakeMember | FakeUser:
        plain = self._user(user)
        return self.state.member_of(guild, plain) if guild is not None else plain

    def _where(
        self, user: UserLike, guild: FakeGuild | None, channel: FakeChannel | None
    ) -> tuple[FakeChannel, FakeGuild | None]:
        if channel is not None:
            return channel, self.state.guilds.get(channel.guild_id) if channel.guild_id else None
        if guild is None and isinstance(user, FakeMember):
            guild = self.state.guilds[user.guild_id]
        if guild is None:
            if len(self.state.guilds) != 1:
                raise ValueError("several guilds (or none): pass guild= or channel=")
            guild = next(iter(self.state.guilds.values()))
        return guild.default_channel, guild


def _submitted_components(components: list[dict[str, Any]], values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The modal's layout as Discord's client submits it: text inputs with `value`, selects with `values`."""
    used: set[str] = set()

    def convert(component: dict[str, Any]) -> dict[str, Any]:
        type_ = component["type"]
        base = {"type": type_, **({"id": component["id"]} if "id" in component else {})}
        if type_ == 1:
            return {**base, "components": [convert(c) for c in component.get("components", [])]}
        if type_ == 18:
            return {**base, "component": convert(component["component"])}
        custom_id = component.get("custom_id")
        if custom_id is None:
            return base
        used.add(custom_id)
        if type_ == 4:
            value = str(values.get(custom_id, component.get("value") or ""))
            if component.get("required", True) and not value:
                raise ValueError(f"text input {custom_id!r} is required")
            low, high = component.get("min_length", 0), component.get("max_length", 4000)
            if value and not low <= len(value) <= high:
                raise ValueError(f"text input {custom_id!r}: length {len(value)} outside [{low}, {high}]")
            return {**base, "custom_id": custom_id, "value": value}
        if type_ in SELECTS:
            return {**base, "custom_id": custom_id, "values": [str(v) for v in values.get(custom_id, [])]}
        return {**base, "custom_id": custom_id, "value": values.get(custom_id)}

    submitted = [convert(c) for c in components]
    unknown = set(values) - used
    if unknown:
        raise ValueError(f"the modal has no input(s) {sorted(unknown)}; inputs: {sorted(used)}")
    return submitted


class _ErrorLog(logging.Handler):
    """Keeps discord.py's ERROR records (exceptions in commands, views, modals) for timeout reports."""

    def __init__(self, sink: list[str], state: FakeState):
        super().__init__(logging.ERROR)
        self.sink, self.state = sink, state

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))[-1500:]
        self.sink.append(text)
        self.state.changed()


def _text(what: str | Callable[[], str]) -> str:
    return what() if callable(what) else what


def _files(request: RecordedRequest) -> str:
    return f"  files={[(f.filename, len(f.data)) for f in request.files]}" if request.files else ""


def _short(value: Any) -> str:
    if value is None:
        return ""
    text = json.dumps(value, default=str)
    return text if len(text) <= 160 else text[:157] + "..."
