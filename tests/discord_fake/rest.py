"""The REST API under /api/v10 (and attachment downloads). One catch-all aiohttp handler with its own route
table, so anything unimplemented answers a 404 that names the method and path, and every request is
recorded before it is handled."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from aiohttp import web

from .contract import Checker, Violation
from .models import ApiError, FakeChannel, FakeMessage, Perm, RecordedFile, RecordedRequest
from .nonces import NonceMemory
from .ratelimit import ChannelBudget
from .payloads import channel_payload, guild_payload, member_payload, role_payload, user_payload
from .state import FakeState

API_PREFIX = "/api/v10"
Reply = tuple[int, Any]  # status, JSON body (None: no body)
Handler = Callable[[RecordedRequest, dict[str, str]], Reply]


def json_response(status: int, body: Any) -> web.Response:
    if body is None:
        return web.Response(status=status)
    # Exactly "application/json": discord.py treats "application/json; charset=utf-8" as text.
    return web.Response(status=status, body=json.dumps(body).encode(), headers={"Content-Type": "application/json"})


@dataclass
class InjectedError:
    method: str
    path: re.Pattern[str]
    error: ApiError
    remaining: int


class Rest:
    def __init__(self, state: FakeState, gateway_url: str, contract: Checker):
        self.state = state
        self.gateway_url = gateway_url
        self.contract = contract
        self.injected: list[InjectedError] = []
        self.budget = ChannelBudget()
        self.nonces = NonceMemory()
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._register()

    def route(self, method: str, template: str, handler: Handler) -> None:
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    def _register(self) -> None:
        r = self.route
        r("GET", "/users/@me", lambda q, p: (200, {
            **user_payload(self.state.bot_user), "verified": True, "mfa_enabled": False,
            "locale": self.state.bot_user.locale}))
        r("GET", "/users/{user_id}", self.get_user)
        r("POST", "/users/@me/channels", self.open_dm)
        r("GET", "/oauth2/applications/@me", self.application)
        r("GET", "/applications/@me", self.application)
        r("GET", "/gateway", lambda q, p: (200, {"url": self.gateway_url}))
        r("GET", "/gateway/bot", lambda q, p: (200, {
            "url": self.gateway_url, "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}}))
        for scope in ("/applications/{app_id}", "/applications/{app_id}/guilds/{guild_id}"):
            r("GET", scope + "/commands", self.list_commands)
            r("PUT", scope + "/commands", self.overwrite_commands)
            r("POST", scope + "/commands", self.upsert_command)
            r("GET", scope + "/commands/{command_id}", self.get_command)
            r("PATCH", scope + "/commands/{command_id}", self.edit_command)
            r("DELETE", scope + "/commands/{command_id}", self.delete_command)
        r("POST", "/interactions/{interaction_id}/{token}/callback", self.callback)
        r("POST", "/webhooks/{app_id}/{token}", self.followup)
        r("GET", "/webhooks/{app_id}/{token}/messages/{message_id}", self.get_webhook_message)
        r("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}", self.edit_webhook_message)
        r("DELETE", "/webhooks/{app_id}/{token}/messages/{message_id}", self.delete_webhook_message)
        r("GET", "/channels/{channel_id}", self.get_channel)
        r("GET", "/channels/{channel_id}/messages", self.history)
        r("POST", "/channels/{channel_id}/messages", self.post_message)
        r("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message)
        r("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message)
        r("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message)
        r("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self.add_reaction)
        r("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}", self.remove_reaction)
        r("GET", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", self.reaction_users)
        r("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions", self.clear_reactions)
        r("POST", "/channels/{channel_id}/typing", self.typing)
        r("GET", "/guilds/{guild_id}", self.get_guild)
        r("GET", "/guilds/{guild_id}/channels", self.guild_channels)
        r("GET", "/guilds/{guild_id}/roles", self.guild_roles)
        r("GET", "/guilds/{guild_id}/members", self.guild_members)
        r("GET", "/guilds/{guild_id}/members/{user_id}", self.guild_member)

    # -- entry point ---------------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.method == "GET" and request.path.startswith("/attachments/"):
            return self.serve_attachment(request)
        in_api = request.path.startswith(API_PREFIX)
        path = request.path[len(API_PREFIX):] if in_api else request.path
        recorded = RecordedRequest(request.method, path, dict(request.query), dict(request.headers))
        self.state.requests.append(recorded)
        headers: dict[str, str] = {}
        operation = None
        try:
            recorded.json, recorded.files = await _read_body(request)
            if in_api:
                headers = self.budget.check(recorded.method, recorded.path)
                operation, violations = self.contract.request(recorded.method, recorded.path, recorded.json)
                if violations:  # Discord refuses a body that breaks its schema
                    raise _invalid_body(violations)
            status, body = self._dispatch(recorded) if in_api else self._unhandled(recorded, full_path=path)
        except ApiError as error:
            status, body = error.status, error.body()
            headers = error.headers
        self.contract.reply(operation, status, body)
        recorded.status, recorded.response = status, body
        self.state.changed()
        response = json_response(status, body)
        response.headers.update(headers)
        return response

    def _dispatch(self, req: RecordedRequest) -> Reply:
        if not req.path.startswith(("/webhooks/", "/interactions/")) and \
                req.headers.get("Authorization") != f"Bot {self.state.token}":
            raise ApiError(401, 0, "401: Unauthorized")
        for injected in self.injected:
            if injected.remaining and injected.method == req.method and injected.path.search(req.path):
                injected.remaining -= 1
                raise injected.error
        for method, pattern, handler in self._routes:
            match = pattern.match(req.path)
            if match and method == req.method:
                return handler(req, match.groupdict())
        return self._unhandled(req, full_path=API_PREFIX + req.path)

    def _unhandled(self, req: RecordedRequest, *, full_path: str) -> Reply:
        self.state.unhandled.append(req)
        raise ApiError(404, 0, f"404: Not Found (the fake Discord has no route for {req.method} {full_path})")

    def serve_attachment(self, request: web.Request) -> web.Response:
        parts = request.path.split("/")
        attachment = self.state.attachments.get(int(parts[2])) if len(parts) > 3 and parts[2].isdigit() else None
        if attachment is None:
            return web.Response(status=404, text=f"no attachment at {request.path}")
        return web.Response(body=attachment.data, headers={"Content-Type": attachment.content_type})

    # -- users, application, gateway -----------------------------------------------------------------
    def get_user(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        user = self.state.users.get(int(p["user_id"]))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return 200, user_payload(user)

    def open_dm(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        user = self.state.users.get(int(req.json["recipient_id"]))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return 200, channel_payload(self.state.open_dm(user), self.state.bot_user.id)

    def application(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        """The bot's own application (PrivateApplicationResponse), owned by a user who is no member."""
        state = self.state
        return 200, {
            "id": str(state.app_id), "name": state.bot_user.name, "description": "", "icon": None, "type": None,
            "bot_public": True, "bot_require_code_grant": False, "owner": user_payload(state.owner),
            "verify_key": "0" * 64, "flags": 0, "flags_new": "0", "team": None, "bot": user_payload(state.bot_user),
            "redirect_uris": [], "interactions_endpoint_url": None, "role_connections_verification_url": None,
            "approximate_guild_count": len(state.guilds), "approximate_user_install_count": 0,
            "approximate_user_authorization_count": 0, "explicit_content_filter": 0,
            "eligible_oauth2_scopes": ["bot", "applications.commands"],
        }

    # -- application commands ------------------------------------------------------------------------
    def _scope(self, p: dict[str, str]) -> int | None:
        if int(p["app_id"]) != self.state.app_id:
            raise ApiError(404, 10002, "Unknown Application")
        return int(p["guild_id"]) if "guild_id" in p else None

    def list_commands(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        return 200, self.state.commands.by_scope.get(self._scope(p), [])

    def overwrite_commands(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        return 200, self.state.commands.overwrite(self._scope(p), req.json or [])

    def upsert_command(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        return 201, self.state.commands.upsert(self._scope(p), req.json)

    def get_command(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        return 200, self.state.commands.get(self._scope(p), int(p["command_id"]))

    def edit_command(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        scope = self._scope(p)
        current = self.state.commands.get(scope, int(p["command_id"]))
        return 200, self.state.commands.upsert(scope, {**current, **req.json})

    def delete_command(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        self.state.commands.delete(self._scope(p), int(p["command_id"]))
        return 204, None

    # -- interactions --------------------------------------------------------------------------------
    def callback(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        interaction = self.state.interactions.get(p["token"])
        if interaction is None or str(interaction.id) != p["interaction_id"]:
            raise ApiError(404, 10062, "Unknown interaction")
        response = self.state.callback(interaction, req.json or {}, req.files)
        # Discord answers 204 unless asked for the callback response (discord.py >= 2.5 always asks).
        return (200, response) if req.query.get("with_response", "").lower() in ("1", "true") else (204, None)

    def followup(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        interaction = self.state.interaction_for_webhook(int(p["app_id"]), p["token"])
        message = self.state.followup(interaction, req.json or {}, req.files)
        if req.query.get("wait", "").lower() not in ("1", "true"):
            return 204, None
        return 200, self.state.message_payload(message)

    def get_webhook_message(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        interaction = self.state.interaction_for_webhook(int(p["app_id"]), p["token"])
        return 200, self.state.message_payload(self.state.interaction_message(interaction, p["message_id"]))

    def edit_webhook_message(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        interaction = self.state.interaction_for_webhook(int(p["app_id"]), p["token"])
        message = self.state.interaction_message(interaction, p["message_id"])
        return 200, self.state.message_payload(self.state.edit_message(message, req.json or {}, req.files))

    def delete_webhook_message(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        interaction = self.state.interaction_for_webhook(int(p["app_id"]), p["token"])
        self.state.delete_message(self.state.interaction_message(interaction, p["message_id"]))
        return 204, None

    # -- channels and messages -----------------------------------------------------------------------
    def _channel(self, p: dict[str, str]) -> FakeChannel:
        return self.state.channel(int(p["channel_id"]))

    def _message(self, p: dict[str, str]) -> tuple[FakeChannel, FakeMessage]:
        channel = self._channel(p)
        return channel, self.state.message(channel, int(p["message_id"]))

    def get_channel(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        return 200, channel_payload(self._channel(p), self.state.bot_user.id)

    def history(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        channel = self._channel(p)
        self.state.require_bot(channel, Perm.READ_MESSAGE_HISTORY)
        messages = self.state.channel_history(channel)
        limit = int(req.query.get("limit", 50))
        if "before" in req.query:
            messages = [m for m in messages if m.id < int(req.query["before"])]
        if "after" in req.query:
            messages = [m for m in messages if m.id > int(req.query["after"])][:limit]
        if "around" in req.query:
            pivot = int(req.query["around"])
            messages = sorted(messages, key=lambda m: abs(m.id - pivot))[:limit]
        newest_first = sorted(messages, key=lambda m: m.id, reverse=True)[:limit]
        return 200, [self.state.message_payload(m) for m in newest_first]

    def post_message(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        channel = self._channel(p)
        self.state.require_bot(channel, Perm.SEND_MESSAGES | (Perm.ATTACH_FILES if req.files else 0))
        body = req.json or {}
        nonce = body.get("nonce") if body.get("enforce_nonce") else None
        if nonce is not None:
            existing = self.state.messages.get(self.nonces.existing(self.state.bot_user.id, nonce) or 0)
            if existing is not None and not existing.deleted:
                self.nonces.replayed += 1
                return 200, self.state.message_payload(existing)
        message = self.state.create_message(channel, self.state.bot_user, body, req.files)
        if nonce is not None:
            self.nonces.remember(self.state.bot_user.id, nonce, message.id)
        return 200, self.state.message_payload(message)

    def get_message(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        channel, message = self._message(p)
        self.state.require_bot(channel, Perm.READ_MESSAGE_HISTORY)
        return 200, self.state.message_payload(message)

    def edit_message(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        channel, message = self._message(p)
        self.state.require_bot(channel, Perm.VIEW_CHANNEL)
        if message.author is not self.state.bot_user:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        return 200, self.state.message_payload(self.state.edit_message(message, req.json or {}, req.files))

    def delete_message(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        channel, message = self._message(p)
        self.state.require_bot(channel, Perm.VIEW_CHANNEL if message.author is self.state.bot_user else Perm.MANAGE_MESSAGES)
        self.state.delete_message(message)
        return 204, None

    def add_reaction(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        channel, message = self._message(p)
        self.state.require_bot(channel, Perm.ADD_REACTIONS | Perm.READ_MESSAGE_HISTORY)
        self.state.react(message, self.state.bot_user, p["emoji"], add=True)
        return 204, None

    def remove_reaction(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        channel, message = self._message(p)
        own = p["user_id"] == "@me"
        self.state.require_bot(channel, Perm.VIEW_CHANNEL if own else Perm.MANAGE_MESSAGES)
        user = self.state.bot_user if own else self.state.users.get(int(p["user_id"]))
        if user is not None:
            self.state.react(message, user, p["emoji"], add=False)
        return 204, None

    def reaction_users(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        _, message = self._message(p)
        return 200, [user_payload(self.state.users[u]) for u in message.reactions.get(p["emoji"], [])]

    def clear_reactions(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        channel, message = self._message(p)
        self.state.require_bot(channel, Perm.MANAGE_MESSAGES)
        message.reactions.clear()
        self.state.changed()
        return 204, None

    def typing(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        self.state.require_bot(self._channel(p), Perm.SEND_MESSAGES)
        return 204, None

    # -- guilds --------------------------------------------------------------------------------------
    def get_guild(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        guild = self.state.guild(int(p["guild_id"]))
        payload = guild_payload(guild)
        if req.query.get("with_counts", "").lower() in ("1", "true"):
            payload.update(approximate_member_count=len(guild.members), approximate_presence_count=0)
        return 200, payload

    def guild_channels(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        guild = self.state.guild(int(p["guild_id"]))
        return 200, [channel_payload(c, self.state.bot_user.id) for c in guild.channels.values()]

    def guild_roles(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        return 200, [role_payload(r) for r in self.state.guild(int(p["guild_id"])).roles.values()]

    def guild_members(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        guild = self.state.guild(int(p["guild_id"]))
        after = int(req.query.get("after", 0))
        members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)
        return 200, [member_payload(m) for m in members[: int(req.query.get("limit", 1))]]

    def guild_member(self, req: RecordedRequest, p: dict[str, str]) -> Reply:
        member = self.state.guild(int(p["guild_id"])).members.get(int(p["user_id"]))
        if member is None:
            raise ApiError(404, 10007, "Unknown Member")
        return 200, member_payload(member)


def _invalid_body(violations: list[Violation]) -> ApiError:
    """Discord's 400 50035 with each violation under its field in `errors`."""
    errors: dict[str, Any] = {}
    for violation in violations:
        node = errors
        for key in violation.keys:
            node = node.setdefault(key, {})
        node.setdefault("_errors", []).append({"code": "CONTRACT_" + violation.rule.upper().replace(" ", "_"),
                                               "message": violation.message})
    return ApiError(400, 50035, "Invalid Form Body", errors)


async def _read_body(request: web.Request) -> tuple[Any, list[RecordedFile]]:
    """The JSON body, or for multipart the payload_json part plus every uploaded file."""
    if request.content_type.startswith("multipart/"):
        payload: Any = None
        files: list[RecordedFile] = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            data = bytes(await part.read(decode=False))  # type: ignore[union-attr]
            if part.name == "payload_json":  # type: ignore[union-attr]
                payload = json.loads(data)
            elif part.filename is not None:  # type: ignore[union-attr]
                files.append(RecordedFile(part.name or "", part.filename, data, part.headers.get("Content-Type")))  # type: ignore[union-attr]
        return payload, files
    body = await request.read()
    return (json.loads(body) if body else None), []
