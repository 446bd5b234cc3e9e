"""The gateway websocket: HELLO, heartbeats, IDENTIFY -> READY -> GUILD_CREATE, then dispatches.
Frames are plain JSON TEXT frames, which discord.py accepts whatever compression it asked for."""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any

from aiohttp import WSMsgType, web

from .models import Intent
from .payloads import guild_create_payload, member_payload, user_payload
from .state import FakeState

HEARTBEAT_INTERVAL_MS = 41250
AUTHENTICATION_FAILED = 4004


class GatewaySession:
    """One websocket connection. Frames go through a queue so dispatch order is send order."""

    def __init__(self, ws: web.WebSocketResponse):
        self.ws = ws
        self.seq = 0
        self.intents = 0
        self.identified = False
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def send(self, op: int, d: Any, event: str | None = None) -> None:
        frame: dict[str, Any] = {"op": op, "d": d, "s": None, "t": event}
        if op == 0:
            self.seq += 1
            frame["s"] = self.seq
        self.queue.put_nowait(frame)

    async def writer(self) -> None:
        while True:
            frame = await self.queue.get()
            try:
                if not self.ws.closed:
                    await self.ws.send_str(json.dumps(frame))
            except ConnectionError:
                pass
            finally:
                self.queue.task_done()


class Gateway:
    def __init__(self, state: FakeState, url: str):
        self.state = state
        self.url = url
        self.sessions: list[GatewaySession] = []
        self.identifies = 0  # sessions that completed IDENTIFY -> READY -> GUILD_CREATE
        state.dispatch = self.dispatch

    def dispatch(self, event: str, data: dict[str, Any], intents: int, gated: bool) -> None:
        for session in self.sessions:
            if not session.identified or (intents and not session.intents & intents):
                continue
            if gated and not session.intents & Intent.MESSAGE_CONTENT:
                data = {**data, "content": "", "embeds": [], "attachments": [], "components": []}
            session.send(0, data, event)

    async def flush(self) -> None:
        """Until every queued frame was handed to the socket."""
        await asyncio.gather(*(s.queue.join() for s in self.sessions))

    async def close_all(self) -> None:
        for session in list(self.sessions):
            await session.ws.close(code=1001)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        session = GatewaySession(ws)
        self.sessions.append(session)
        writer = asyncio.create_task(session.writer())
        session.send(10, {"heartbeat_interval": HEARTBEAT_INTERVAL_MS})
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_frame(session, json.loads(msg.data))
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            self.sessions.remove(session)
            writer.cancel()
            self.state.changed()
        return ws

    async def _on_frame(self, session: GatewaySession, frame: dict[str, Any]) -> None:
        op, d = frame.get("op"), frame.get("d")
        if op == 1:
            session.send(11, None)
        elif op == 2:
            await self._identify(session, d)
        elif op == 6:
            session.send(9, False)  # RESUME unsupported: "invalid session, not resumable" -> re-IDENTIFY
        elif op == 8:
            self._chunk(session, d)

    async def _identify(self, session: GatewaySession, d: dict[str, Any]) -> None:
        state = self.state
        if d.get("token") != state.token:
            await session.ws.close(code=AUTHENTICATION_FAILED, message=b"Authentication failed.")
            return
        session.intents = int(d.get("intents", 0))
        ready: dict[str, Any] = {
            "v": 10, "user": {**user_payload(state.bot_user), "verified": True, "mfa_enabled": False},
            "session_id": secrets.token_hex(16), "resume_gateway_url": self.url,
            "guilds": [{"id": str(g), "unavailable": True} for g in state.guilds],
            "application": {"id": str(state.app_id), "flags": 0}, "private_channels": [], "relationships": [],
            "presences": [], "guild_join_requests": [], "geo_ordered_rtc_regions": [],
        }
        if "shard" in d:
            ready["shard"] = d["shard"]
        session.send(0, ready, "READY")
        session.identified = True
        for guild in state.guilds.values():
            session.send(0, guild_create_payload(guild, state.bot_user.id), "GUILD_CREATE")
        await session.queue.join()
        self.identifies += 1
        state.changed()

    def _chunk(self, session: GatewaySession, d: dict[str, Any]) -> None:
        guild = self.state.guilds.get(int(d["guild_id"]))
        if guild is None:
            return
        wanted = {int(u) for u in d.get("user_ids") or []}
        members = [m for m in guild.members.values() if not wanted or m.id in wanted]
        data: dict[str, Any] = {
            "guild_id": str(guild.id), "members": [member_payload(m) for m in members], "chunk_index": 0,
            "chunk_count": 1, "not_found": [str(u) for u in wanted - {m.id for m in members}],
        }
        if d.get("nonce"):
            data["nonce"] = d["nonce"]
        session.send(0, data, "GUILD_MEMBERS_CHUNK")
