"""Everything the fake Discord knows, and the rules Discord applies when it changes: message validation,
upload limits, permissions, interaction acknowledgement. REST handlers and the test-facing API both go
through here, so a message a test types and a message the bot posts obey the same rules."""

from __future__ import annotations

import asyncio
import mimetypes
import re
import secrets
import time
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import quote

from . import commands as cmd
from .commands import CommandRegistry
from .models import (
    CONTENT_LIMIT, DEFAULT_FILESIZE_LIMIT, EMBED_TOTAL_LIMIT, ApiError, FakeAttachment, FakeChannel, FakeGuild, FakeInteraction, FakeMember,
    FakeMessage, FakeRole, FakeUser, Intent, MessageFlag, Perm, RecordedFile, RecordedRequest, Snowflakes,
    embed_size, invalid_form, iso_now,
)
from .payloads import (
    attachment_payload, channel_payload, emoji_payload, guild_create_payload, member_payload, message_payload,
    role_payload, user_payload,
)

# (event name, data, intents of which the bot needs one to receive it (0: always), content-gated)
Dispatch = Callable[[str, dict[str, Any], int, bool], None]

SUPPRESS_EMBEDS, SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2 = 1 << 2, 1 << 12, 1 << 15
_MENTION = re.compile(r"<@!?(\d+)>")
_EMBED_LIMITS = {"title": 256, "description": 4096}


class FakeState:
    def __init__(self, *, token: str, app_id: int | None, bot_name: str, interaction_deadline: float):
        self.ids = Snowflakes()
        self.token = token
        self.app_id = app_id or self.ids.next()
        # Modern bots' user id equals their application id.
        self.bot_user = FakeUser(self.app_id, bot_name, bot=True)
        self.owner = FakeUser(self.ids.next(), "owner")  # the application's owner, in no guild
        self.users: dict[int, FakeUser] = {self.bot_user.id: self.bot_user}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.messages: dict[int, FakeMessage] = {}
        self.attachments: dict[int, FakeAttachment] = {}
        self.interactions: dict[str, FakeInteraction] = {}  # by token
        self.commands = CommandRegistry(self.ids, self.app_id)
        self.requests: list[RecordedRequest] = []
        self.unhandled: list[RecordedRequest] = []
        self.interaction_deadline = interaction_deadline
        self.dm_filesize_limit = DEFAULT_FILESIZE_LIMIT
        self.base_url = ""
        self.dispatch: Dispatch = lambda event, data, intents, gated: None
        self._waiters: list[asyncio.Future[None]] = []

    # -- change notification -------------------------------------------------------------------------
    def changed(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def waiter(self) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        return future

    # -- world building ------------------------------------------------------------------------------
    def add_guild(
        self, name: str, *, guild_id: int | None, channels: Iterable[str], filesize_limit: int,
        everyone_permissions: int, bot_permissions: int, owner_id: int | None, locale: str,
    ) -> FakeGuild:
        gid = guild_id or self.ids.next()
        guild = FakeGuild(gid, name, owner_id or self.ids.next(), filesize_limit, locale)
        guild.roles[gid] = FakeRole(gid, gid, "@everyone", everyone_permissions)
        bot_role = FakeRole(self.ids.next(), gid, self.bot_user.name, bot_permissions, position=1, managed=True)
        guild.roles[bot_role.id] = bot_role
        guild.members[self.bot_user.id] = FakeMember(self.bot_user, gid, [bot_role.id])
        self.guilds[gid] = guild
        for channel_name in channels:
            self._attach_channel(guild, channel_name, 0, None)
        self.dispatch("GUILD_CREATE", guild_create_payload(guild, self.bot_user.id), Intent.GUILDS, False)
        self.changed()
        return guild

    def add_role(self, guild: FakeGuild, name: str, permissions: int) -> FakeRole:
        role = FakeRole(self.ids.next(), guild.id, name, permissions, position=len(guild.roles))
        guild.roles[role.id] = role
        self.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role_payload(role)}, Intent.GUILDS, False)
        return role

    def add_member(
        self, guild: FakeGuild, user_id: int | None, name: str, roles: Sequence[FakeRole | int | str], admin: bool,
        nick: str | None,
    ) -> FakeMember:
        uid = user_id or self.ids.next()
        user = self.users.setdefault(uid, FakeUser(uid, name))
        role_ids = [self._role_for(guild, r).id for r in roles]
        if admin:
            admin_role = next((r for r in guild.roles.values() if r.permissions & Perm.ADMINISTRATOR and not r.managed), None)
            role_ids.append((admin_role or self.add_role(guild, "Admin", Perm.ADMINISTRATOR)).id)
        member = FakeMember(user, guild.id, role_ids, nick)
        guild.members[uid] = member
        self.dispatch("GUILD_MEMBER_ADD", {"guild_id": str(guild.id), **member_payload(member)}, Intent.GUILD_MEMBERS, False)
        self.changed()
        return member

    def _role_for(self, guild: FakeGuild, role: FakeRole | int | str) -> FakeRole:
        if isinstance(role, FakeRole):
            return role
        if isinstance(role, int):
            return guild.roles[role]
        try:
            return guild.role(role)
        except KeyError:
            return self.add_role(guild, role, 0)

    def add_channel(self, guild: FakeGuild, name: str, *, type: int, topic: str | None) -> FakeChannel:
        channel = self._attach_channel(guild, name, type, topic)
        self.dispatch("CHANNEL_CREATE", channel_payload(channel, self.bot_user.id), Intent.GUILDS, False)
        self.changed()
        return channel

    def _attach_channel(self, guild: FakeGuild, name: str, type_: int, topic: str | None) -> FakeChannel:
        channel = FakeChannel(self.ids.next(), name, guild.id, type_, position=len(guild.channels), topic=topic)
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        return channel

    def set_bot_denied(self, channel: FakeChannel, denied: int) -> None:
        channel.bot_denied = denied
        self.dispatch("CHANNEL_UPDATE", channel_payload(channel, self.bot_user.id), Intent.GUILDS, False)
        self.changed()

    def open_dm(self, user: FakeUser) -> FakeChannel:
        for channel in self.channels.values():
            if channel.type == 1 and channel.recipient is user:
                return channel
        channel = FakeChannel(self.ids.next(), user.name, None, 1, recipient=user)
        self.channels[channel.id] = channel
        return channel

    # -- lookups -------------------------------------------------------------------------------------
    def channel(self, channel_id: int) -> FakeChannel:
        try:
            return self.channels[channel_id]
        except KeyError:
            raise ApiError(404, 10003, "Unknown Channel") from None

    def guild(self, guild_id: int) -> FakeGuild:
        try:
            return self.guilds[guild_id]
        except KeyError:
            raise ApiError(404, 10004, "Unknown Guild") from None

    def message(self, channel: FakeChannel, message_id: int) -> FakeMessage:
        message = self.messages.get(message_id)
        if message is None or message.deleted or message.channel_id != channel.id or message.ephemeral:
            raise ApiError(404, 10008, "Unknown Message")
        return message

    def channel_history(self, channel: FakeChannel) -> list[FakeMessage]:
        return [m for m in self.messages.values() if m.channel_id == channel.id and not m.deleted and not m.ephemeral]

    def member_of(self, guild: FakeGuild, user: FakeUser | FakeMember) -> FakeMember:
        member = guild.members.get(user.id)
        if member is None:
            raise ValueError(f"user {user.id} is not a member of guild {guild.name!r}; add_member first")
        return member

    # -- permissions ---------------------------------------------------------------------------------
    def permissions(self, guild: FakeGuild, member: FakeMember, channel: FakeChannel | None = None) -> int:
        if member.id == guild.owner_id:
            return Perm.ALL
        perms = guild.everyone.permissions
        for role_id in member.role_ids:
            perms |= guild.roles[role_id].permissions
        if perms & Perm.ADMINISTRATOR:
            return Perm.ALL
        if channel is not None and member.id == self.bot_user.id:
            perms &= ~channel.bot_denied
        return perms

    def require_bot(self, channel: FakeChannel, needed: int) -> None:
        """Discord's answer when the bot lacks a permission in a channel: 50001 without view, else 50013."""
        if channel.guild_id is None:
            return
        guild = self.guilds[channel.guild_id]
        perms = self.permissions(guild, guild.members[self.bot_user.id], channel)
        if not perms & Perm.VIEW_CHANNEL:
            raise ApiError(403, 50001, "Missing Access")
        if perms & needed != needed:
            raise ApiError(403, 50013, "Missing Permissions")

    def upload_limit(self, channel: FakeChannel) -> int:
        return self.guilds[channel.guild_id].filesize_limit if channel.guild_id else self.dm_filesize_limit

    # -- messages ------------------------------------------------------------------------------------
    def store_attachment(
        self, filename: str, data: bytes, content_type: str | None = None, description: str | None = None,
        ephemeral: bool = False,
    ) -> FakeAttachment:
        if content_type in (None, "application/octet-stream"):
            content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        attachment_id = self.ids.next()
        url = f"{self.base_url}/attachments/{attachment_id}/{quote(filename)}"
        attachment = FakeAttachment(attachment_id, filename, data, url, content_type, description, ephemeral)
        self.attachments[attachment_id] = attachment
        return attachment

    def create_message(
        self, channel: FakeChannel, author: FakeUser, body: dict[str, Any], files: Sequence[RecordedFile] = (), *,
        interaction: FakeInteraction | None = None, loading: bool = False,
    ) -> FakeMessage:
        message = FakeMessage(self.ids.next(), channel.id, channel.guild_id, author, nonce=body.get("nonce"))
        allowed_flags = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2
        if interaction is not None:
            allowed_flags |= MessageFlag.EPHEMERAL
            message.interaction = interaction
            message.webhook_id = self.app_id
            message.type = 20 if interaction.type == 2 else 0
        reference = body.get("message_reference")
        if reference and reference.get("message_id"):
            message.reference = self.messages.get(int(reference["message_id"]))
            if message.reference is None and reference.get("fail_if_not_exists", True):
                raise invalid_form(["message_reference"], "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
            message.type = 19 if message.reference is not None else message.type
        self._apply(message, body, files, allowed_flags=allowed_flags, allow_empty=loading)
        if loading:
            message.flags |= MessageFlag.LOADING
        self.messages[message.id] = message
        self._dispatch_message("MESSAGE_CREATE", message)
        self.changed()
        return message

    def edit_message(self, message: FakeMessage, body: dict[str, Any], files: Sequence[RecordedFile] = ()) -> FakeMessage:
        self._apply(message, body, files, allowed_flags=SUPPRESS_EMBEDS | IS_COMPONENTS_V2, allow_empty=False)
        if message.loading:
            message.flags &= ~MessageFlag.LOADING  # filling a deferred response is not an edit
        else:
            message.edited_timestamp = iso_now()
            message.edits.append(body)
        self._dispatch_message("MESSAGE_UPDATE", message)
        self.changed()
        return message

    def delete_message(self, message: FakeMessage) -> None:
        message.deleted = True
        if not message.ephemeral:
            data = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id:
                data["guild_id"] = str(message.guild_id)
            self.dispatch("MESSAGE_DELETE", data, self._message_intent(message), False)
        self.changed()

    def user_message(
        self, author: FakeUser, channel: FakeChannel, content: str, *, reply_to: FakeMessage | None,
        mention_author: bool, files: Sequence[tuple[str, bytes]],
    ) -> FakeMessage:
        """A message a member types: not subject to the bot's permission and validation paths."""
        message = FakeMessage(self.ids.next(), channel.id, channel.guild_id, author, content)
        message.attachments = [self.store_attachment(name, data) for name, data in files]
        message.mentions = self._mentions(content)
        if reply_to is not None:
            message.reference, message.type = reply_to, 19
            if mention_author and reply_to.author not in message.mentions:
                message.mentions.append(reply_to.author)
        self.messages[message.id] = message
        self._dispatch_message("MESSAGE_CREATE", message)
        self.changed()
        return message

    def _apply(
        self, message: FakeMessage, body: dict[str, Any], files: Sequence[RecordedFile], *, allowed_flags: int,
        allow_empty: bool,
    ) -> None:
        """Validate the whole result first, then change the message: a rejected request changes nothing."""
        content = message.content
        if "content" in body:
            content = "" if body["content"] is None else str(body["content"])
        embeds = message.embeds
        if "embeds" in body or "embed" in body:
            embeds = body.get("embeds") if "embeds" in body else ([body["embed"]] if body.get("embed") else [])
            embeds = list(embeds or [])
        components = stored_components(body["components"] or []) if "components" in body else message.components
        flags = message.flags
        if body.get("flags") is not None:
            flags = (message.flags & ~allowed_flags) | (int(body["flags"]) & allowed_flags)
        attachments = self._attachments(body, files, message, self.upload_limit(self.channels[message.channel_id]))
        if not allow_empty:
            _validate_message(content, embeds, components, attachments, flags, body)
        message.content, message.embeds, message.components = content, embeds, components
        message.attachments, message.flags = attachments, flags
        message.mentions = self._mentions(content)

    def _attachments(
        self, body: dict[str, Any], files: Sequence[RecordedFile], message: FakeMessage, limit: int
    ) -> list[FakeAttachment]:
        uploads = {f.field: f for f in files if f.field.startswith("files[")}
        for upload in uploads.values():
            if len(upload.data) > limit:
                raise ApiError(413, 40005, "Request entity too large")
        entries = body.get("attachments")
        if entries is None:
            return [*message.attachments, *(self.store_attachment(f.filename, f.data, f.content_type) for f in uploads.values())]
        kept = {a.id: a for a in message.attachments}
        result: list[FakeAttachment] = []
        for index, entry in enumerate(entries):
            field = f"files[{entry['id']}]"
            if field in uploads:
                upload = uploads.pop(field)
                result.append(self.store_attachment(
                    entry.get("filename") or upload.filename, upload.data, upload.content_type, entry.get("description")))
            elif int(entry["id"]) in kept:
                result.append(kept[int(entry["id"])])
            else:
                raise invalid_form(["attachments", str(index)], "ATTACHMENT_NOT_FOUND", f"Unknown attachment {entry['id']}")
        result.extend(self.store_attachment(f.filename, f.data, f.content_type) for f in uploads.values())
        return result

    def _mentions(self, content: str) -> list[FakeUser]:
        ids = dict.fromkeys(int(m) for m in _MENTION.findall(content))
        return [self.users[i] for i in ids if i in self.users]

    def _message_intent(self, message: FakeMessage) -> int:
        return Intent.GUILD_MESSAGES if message.guild_id else Intent.DIRECT_MESSAGES

    def _dispatch_message(self, event: str, message: FakeMessage) -> None:
        if message.ephemeral:
            return  # Discord never sends ephemeral messages over the gateway
        member = self.guilds[message.guild_id].members.get(message.author.id) if message.guild_id else None
        # Without the message_content intent, content is blanked except in DMs, the bot's own messages and
        # messages mentioning the bot (a reply that pings the bot counts).
        gated = bool(message.guild_id) and message.author is not self.bot_user and self.bot_user not in message.mentions
        self.dispatch(event, self.message_payload(message, member=member), self._message_intent(message), gated)

    def message_payload(self, message: FakeMessage, *, member: FakeMember | None = None) -> dict[str, Any]:
        return message_payload(message, me_id=self.bot_user.id, member=member)

    def react(self, message: FakeMessage, user: FakeUser, emoji: str, *, add: bool) -> None:
        users = message.reactions.setdefault(emoji, [])
        if add == (user.id in users):
            return
        if add:
            users.append(user.id)
        else:
            users.remove(user.id)
        data: dict[str, Any] = {
            "user_id": str(user.id), "channel_id": str(message.channel_id), "message_id": str(message.id),
            "emoji": emoji_payload(emoji), "burst": False, "type": 0,
        }
        if message.guild_id:
            data["guild_id"] = str(message.guild_id)
            if add:
                data["member"] = member_payload(self.guilds[message.guild_id].members[user.id])
                data["message_author_id"] = str(message.author.id)
        intent = Intent.GUILD_MESSAGE_REACTIONS if message.guild_id else Intent.DIRECT_MESSAGE_REACTIONS
        self.dispatch("MESSAGE_REACTION_ADD" if add else "MESSAGE_REACTION_REMOVE", data, intent, False)
        self.changed()

    # -- interactions --------------------------------------------------------------------------------
    def new_interaction(
        self, type_: int, user: FakeUser | FakeMember, channel: FakeChannel, data: dict[str, Any],
        message: FakeMessage | None = None, trigger: FakeInteraction | None = None,
    ) -> FakeInteraction:
        guild = self.guilds.get(channel.guild_id) if channel.guild_id else None
        interaction_id = self.ids.next()
        token = f"ix.{interaction_id}.{secrets.token_hex(8)}"
        channel_data = channel_payload(channel, self.bot_user.id)
        payload: dict[str, Any] = {
            "id": str(interaction_id), "application_id": str(self.app_id), "type": type_, "data": data,
            "token": token, "version": 1, "channel_id": str(channel.id), "channel": channel_data,
            "locale": (user.user if isinstance(user, FakeMember) else user).locale,
            "entitlements": [], "entitlement_sku_ids": [],
            "attachment_size_limit": self.upload_limit(channel),
        }
        if guild is not None:
            member = self.member_of(guild, user)
            user = member
            perms = self.permissions(guild, member, channel)
            channel_data["permissions"] = str(perms)
            payload.update({
                "guild_id": str(guild.id), "guild": {"id": str(guild.id), "locale": guild.locale, "features": []},
                "guild_locale": guild.locale, "member": member_payload(member, permissions=perms),
                "app_permissions": str(self.permissions(guild, guild.members[self.bot_user.id], channel)),
                "authorizing_integration_owners": {"0": str(guild.id)}, "context": 0,
            })
        else:
            plain = user.user if isinstance(user, FakeMember) else user
            payload.update({
                "user": user_payload(plain), "app_permissions": str(Perm.EVERYONE_DEFAULT),
                "authorizing_integration_owners": {"0": "0"}, "context": 1,
            })
        if message is not None:
            payload["message"] = self.message_payload(message)
        interaction = FakeInteraction(
            interaction_id, token, type_, user, guild.id if guild else None, channel.id, data, payload, message,
            trigger)
        self.interactions[token] = interaction
        self.dispatch("INTERACTION_CREATE", payload, 0, False)
        self.changed()
        return interaction

    def option_resolver(
        self, guild: FakeGuild | None, channel: FakeChannel, invoker: FakeMember | None
    ) -> tuple[cmd.Resolve, dict[str, Any]]:
        """Converts entity option values (FakeMember/FakeUser/FakeRole/FakeChannel/ids, or (filename, bytes)
        for attachments) into ids, filling the interaction's `resolved` data as Discord does."""
        resolved: dict[str, dict[str, Any]] = {}

        def add_user(user: FakeUser | FakeMember) -> str:
            plain = user.user if isinstance(user, FakeMember) else user
            resolved.setdefault("users", {})[str(plain.id)] = user_payload(plain)
            member = guild.members.get(plain.id) if guild else None
            if member is not None:
                resolved.setdefault("members", {})[str(plain.id)] = member_payload(
                    member, with_user=False, permissions=self.permissions(guild, member, channel))
            return str(plain.id)

        def add_role(role: FakeRole) -> str:
            resolved.setdefault("roles", {})[str(role.id)] = role_payload(role)
            return str(role.id)

        def lookup(value: Any) -> Any:
            if isinstance(value, int):
                if value in self.users:
                    return self.users[value]
                if guild is not None and value in guild.roles:
                    return guild.roles[value]
                if value in self.channels:
                    return self.channels[value]
                raise ValueError(f"no user, role or channel with id {value}")
            return value

        def resolve(type_: int, value: Any) -> str:
            if type_ == cmd.ATTACHMENT:
                if not isinstance(value, FakeAttachment):
                    filename, data = value
                    value = self.store_attachment(filename, data, ephemeral=True)
                resolved.setdefault("attachments", {})[str(value.id)] = attachment_payload(value)
                return str(value.id)
            entity = lookup(value)
            if type_ in (cmd.USER, cmd.MENTIONABLE) and isinstance(entity, (FakeUser, FakeMember)):
                return add_user(entity)
            if type_ in (cmd.ROLE, cmd.MENTIONABLE) and isinstance(entity, FakeRole):
                return add_role(entity)
            if type_ == cmd.CHANNEL and isinstance(entity, FakeChannel):
                data = channel_payload(entity, self.bot_user.id)
                # a resolved channel carries the invoking member's permissions in it
                data["permissions"] = str(self.permissions(guild, invoker, entity) if guild and invoker else 0)
                resolved.setdefault("channels", {})[str(entity.id)] = data
                return str(entity.id)
            raise ValueError(f"option of type {type_} cannot take {value!r}")

        return resolve, resolved

    def interaction_for_webhook(self, app_id: int, token: str) -> FakeInteraction:
        interaction = self.interactions.get(token)
        if app_id != self.app_id or interaction is None:
            raise ApiError(404, 10015, "Unknown Webhook")
        return interaction

    def callback(self, interaction: FakeInteraction, body: dict[str, Any], files: Sequence[RecordedFile]) -> dict[str, Any]:
        if interaction.callbacks:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        if time.monotonic() - interaction.dispatched_at > self.interaction_deadline:
            raise ApiError(404, 10062, "Unknown interaction")
        type_, data = body.get("type"), body.get("data") or {}
        channel = self.channels[interaction.channel_id]
        on_message = interaction.message is not None  # component clicks and modals opened from them
        if type_ in (6, 7) and not on_message:
            raise invalid_form(["type"], "INTERACTION_RESPONSE_TYPE_INVALID", "Interaction has no message to update")
        if type_ == 9 and interaction.type == 5:
            raise invalid_form(["type"], "INTERACTION_RESPONSE_TYPE_INVALID", "A modal cannot answer a modal submit")
        if type_ == 4:
            interaction.original = self.create_message(channel, self.bot_user, data, files, interaction=interaction)
        elif type_ == 5:
            flags = {"flags": data.get("flags")} if data.get("flags") else {}
            interaction.original = self.create_message(channel, self.bot_user, flags, interaction=interaction, loading=True)
        elif type_ == 6:
            interaction.original = interaction.message
        elif type_ == 7:
            assert interaction.message is not None
            interaction.original = self.edit_message(interaction.message, data, files)
        elif type_ == 9:
            for key in ("custom_id", "title", "components"):
                if not data.get(key):
                    raise invalid_form(["data", key], "BASE_TYPE_REQUIRED", "This field is required")
            interaction.modal = data
        elif type_ != 8:
            raise invalid_form(["type"], "INTERACTION_RESPONSE_TYPE_INVALID", f"Unsupported response type {type_}")
        interaction.callbacks.append(body)
        self.changed()
        message = interaction.original if type_ in (4, 5, 7) else None
        reply: dict[str, Any] = {"interaction": {"id": str(interaction.id), "type": interaction.type}}
        if message is not None:
            reply["interaction"].update(
                response_message_id=str(message.id), response_message_loading=message.loading,
                response_message_ephemeral=message.ephemeral)
            reply["resource"] = {"type": type_, "message": self.message_payload(message)}
        elif type_ == 9:
            reply["resource"] = {"type": type_}  # a modal; a deferred update (6) creates nothing
        return reply

    def followup(self, interaction: FakeInteraction, body: dict[str, Any], files: Sequence[RecordedFile]) -> FakeMessage:
        if not interaction.callbacks:
            raise ApiError(404, 10015, "Unknown Webhook")
        original = interaction.original
        # A deleted placeholder is not filled: Discord posts the follow-up as a new message instead.
        if interaction.response_type == 5 and original is not None and original.loading and not original.deleted:
            message = self.edit_message(original, body, files)  # the first follow-up fills the deferred response
        else:
            channel = self.channels[interaction.channel_id]
            message = self.create_message(channel, self.bot_user, body, files, interaction=interaction)
        interaction.followups.append(message)
        self.changed()
        return message

    def interaction_message(self, interaction: FakeInteraction, message_id: str) -> FakeMessage:
        if message_id == "@original":
            message = interaction.original
        else:
            message = next((m for m in [interaction.original, *interaction.followups]
                            if m is not None and m.id == int(message_id)), None)
        if message is None or message.deleted:
            raise ApiError(404, 10008, "Unknown Message")
        return message


def stored_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Message components as Discord stores and returns them: every component has its integer `id` (the
    bot's own, else numbered in order of appearance, skipping ids the bot chose), and fields the bot sent
    as null are absent (a button's `emoji.id` for a Unicode emoji, say). Source: Discord's component
    reference, https://discord.com/developers/docs/components/reference#anatomy-of-a-component."""
    taken: set[int] = set()

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            if isinstance(value.get("id"), int) and "type" in value:
                taken.add(value["id"])
            return {key: strip(item) for key, item in value.items() if item is not None}
        if isinstance(value, list):
            return [strip(item) for item in value]
        return value

    stored: list[dict[str, Any]] = strip(components)
    next_id = 1

    def number(component: dict[str, Any]) -> None:
        nonlocal next_id
        if "id" not in component:
            while next_id in taken:
                next_id += 1
            component["id"] = next_id
            taken.add(next_id)
        for child in component.get("components", []):
            number(child)
        for key in ("component", "accessory"):
            if isinstance(component.get(key), dict):
                number(component[key])

    for component in stored:
        number(component)
    return stored


def _validate_message(
    content: str, embeds: list[dict[str, Any]], components: list[dict[str, Any]],
    attachments: list[FakeAttachment], flags: int, body: dict[str, Any],
) -> None:
    """Discord's limits that a bot realistically hits (long prompts, big embeds, too many buttons)."""
    if not (content or embeds or components or attachments or body.get("sticker_ids") or body.get("poll")):
        raise ApiError(400, 50006, "Cannot send an empty message")
    if len(content) > CONTENT_LIMIT:
        raise invalid_form(["content"], "BASE_TYPE_MAX_LENGTH", f"Must be {CONTENT_LIMIT} or fewer in length.")
    if len(embeds) > 10:
        raise invalid_form(["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    for index, embed in enumerate(embeds):
        for key, limit in _EMBED_LIMITS.items():
            if len(embed.get(key) or "") > limit:
                raise invalid_form(["embeds", str(index), key], "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
        fields = embed.get("fields") or []
        if len(fields) > 25:
            raise invalid_form(["embeds", str(index), "fields"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        for f_index, field in enumerate(fields):
            for key, limit in (("name", 256), ("value", 1024)):
                if not 1 <= len(field.get(key) or "") <= limit:
                    raise invalid_form(["embeds", str(index), "fields", str(f_index), key], "BASE_TYPE_BAD_LENGTH",
                                       f"Must be between 1 and {limit} in length.")
    if embed_size(embeds) > EMBED_TOTAL_LIMIT:
        raise invalid_form(["embeds"], "MESSAGE_EMBEDS_TOO_LARGE", f"Embed size exceeds maximum size of {EMBED_TOTAL_LIMIT}")
    if not flags & IS_COMPONENTS_V2:
        if len(components) > 5:
            raise invalid_form(["components"], "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
        for index, row in enumerate(components):
            if len(row.get("components") or []) > 5:
                raise invalid_form(["components", str(index), "components"], "BASE_TYPE_MAX_LENGTH",
                                   "Must be 5 or fewer in length.")
