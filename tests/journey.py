"""One community's journey through Reelbot on the loopback Discord, and what a member sees of it.

Three members and a moderator: create -> remix (by reply) -> takes -> pick -> finalize -> challenge ->
relay -> forget. `run_journey` plays it against a running bot and returns a `Journey`: every message the
channel ended with, every edit judged visible or not, and a transcript a person can read. The quick test
(tests/test_journey.py) and the benchmark (benchmarks/journey.py) play this same journey.
"""
from __future__ import annotations

import asyncio
import io
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from discord_fake import FakeDiscord, FakeGuild, FakeMember, FakeMessage
from studio.service import Studio

RENDER_S = 60.0
QUICK = {"shots": 1, "duration": 1}


@dataclass
class Journey:
    """What the journey left: the requests made (clip ids), the channel, the edits, the transcript."""

    requests: list[int] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)
    # (message id, what changed) for every edit of a bot message; "nothing" for an edit no one could see.
    edits: list[tuple[int, str]] = field(default_factory=list)
    lasting: dict[int, list[FakeMessage]] = field(default_factory=dict)
    failures_said: dict[int, int] = field(default_factory=dict)
    images: list[tuple[str, Image.Image]] = field(default_factory=list)

    @property
    def noop_edits(self) -> int:
        return sum(1 for _id, what in self.edits if what == "nothing")

    @property
    def lasting_messages_per_request(self) -> float:
        return sum(len(messages) for messages in self.lasting.values()) / max(1, len(self.requests))


def visible(message: FakeMessage) -> tuple:
    """What a member sees of a message: its words, cards, buttons and files."""
    return (message.content, repr(message.embeds), repr(message.components),
            tuple((a.filename, len(a.data)) for a in message.attachments))


def watch_edits(fake: FakeDiscord, journey: Journey) -> None:
    """Judge every edit the bot makes: record whether anything a member sees changed."""
    state = fake.state
    original = state.edit_message

    def edit_message(message: FakeMessage, body: dict[str, Any], files=()) -> FakeMessage:  # noqa: ANN001
        before = visible(message)
        loading = message.loading
        edited = original(message, body, files)
        if not loading:  # filling a deferred reply is its first content, not an edit
            after = visible(edited)
            changed = [name for name, old, new in zip(("words", "cards", "buttons", "files"), before, after)
                       if old != new]  # fmt: skip
            journey.edits.append((message.id, ", ".join(changed) or "nothing"))
        return edited

    state.edit_message = edit_message  # type: ignore[method-assign]


def describe(message: FakeMessage) -> str:
    """A message as a member reads it, in a few lines."""
    lines = [message.content] if message.content else []
    for embed in message.embeds:
        lines.append(f"[card] {embed.get('title') or ''}".rstrip())
        if embed.get("description"):
            lines.append("  " + embed["description"].replace("\n", "\n  "))
        for item in embed.get("fields") or []:
            lines.append(f"  {item['name']}: {item['value']}".replace("\n", "\n    "))
    labels = [c.get("label") or c.get("placeholder") or "" for row in message.components for c in row.get("components", [])]
    if labels:
        lines.append("[buttons] " + " · ".join(labels))
    if message.attachments:
        lines.append("[files] " + ", ".join(a.filename for a in message.attachments))
    return "\n".join(lines)


class Player:
    """Drives the journey and writes what each member did and saw into the transcript."""

    def __init__(self, fake: FakeDiscord, guild: FakeGuild, studio: Studio, journey: Journey) -> None:
        self.fake, self.guild, self.studio, self.journey = fake, guild, studio, journey
        self.channel = guild.channel("general")

    def note(self, text: str) -> None:
        self.journey.transcript.append(text)

    def saw(self, who: str, message: FakeMessage) -> None:
        where = "privately" if message.ephemeral else "in #general"
        self.note(f"{who} sees {where}:\n" + "\n".join("    " + line for line in describe(message).splitlines()))

    async def slash(self, member: FakeMember, command: str, options: dict | None = None) -> FakeMessage:
        self.note(f"\n> {member.name}: /{command} {' '.join(f'{k}:{v}' for k, v in (options or {}).items())}")
        reply = await (await self.fake.slash(member, command, options)).wait_message(timeout=30)
        self.saw(member.name, reply)
        return reply

    async def click(self, message: FakeMessage, custom_id: str, member: FakeMember) -> FakeMessage:
        label = next((c.get("label") for row in message.components for c in row.get("components", [])
                      if c.get("custom_id") == custom_id), custom_id)  # fmt: skip
        self.note(f"\n> {member.name} presses [{label}]")
        interaction = await self.fake.click(message, custom_id, member)
        reply = await interaction.wait_message(timeout=30)
        self.saw(member.name, reply)
        return reply

    async def posted(self, predicate, what: str) -> FakeMessage:  # noqa: ANN001
        message = await self.fake.wait_for_message(channel=self.channel, ephemeral=False, predicate=predicate,
                                                   timeout=RENDER_S)  # fmt: skip
        self.saw("everyone", message)
        return message

    async def clip_post(self, clip_id: int) -> FakeMessage:
        return await self.posted(lambda m: any(a.filename == f"clip-{clip_id}.mp4" or
                                               a.filename.startswith(f"clip-{clip_id}-take-") for a in m.attachments),
                                 f"clip #{clip_id}")  # fmt: skip

    async def requested(self, clip_id: int) -> FakeMessage:
        self.journey.requests.append(clip_id)
        post = await self.clip_post(clip_id)
        # Members act on a post once the bot knows it as the clip's (a reply a moment earlier is conversation).
        for _ in range(400):
            if (await self.studio.clip(clip_id)).posted_message_id == post.id:
                break
            await asyncio.sleep(0.05)
        return post


async def run_journey(fake: FakeDiscord, guild: FakeGuild, studio: Studio, members: dict[str, FakeMember],
                      journey: Journey) -> Journey:  # fmt: skip
    """Play the journey against a running bot (the caller starts it, with a render worker)."""
    alice, bob, carol, mod = members["alice"], members["bob"], members["carol"], members["mod"]
    play = Player(fake, guild, studio, journey)
    watch_edits(fake, journey)

    # create
    await play.slash(alice, "video", {"prompt": "a lighthouse keeper's cat watches the storm", **QUICK})
    first = await play.requested(1)
    # remix, by replying to the post
    play.note("\n> bob replies to clip #1: make it noir")
    await fake.say(bob, play.channel, "make it noir", reply_to=first, mention_author=False)
    remix = await play.requested(2)
    # takes, pick, finalize
    await play.slash(carol, "video", {"prompt": "a paper boat on a rainy street", **QUICK, "takes": 2, "draft": True})
    takes = await play.requested(3)
    await play.click(takes, "reelbot:take:one:3", carol)
    picked = await play.requested(4)
    finalize = next((c for c in picked.custom_ids() if ":finalize:" in c), None)
    if finalize is not None:
        await play.click(picked, finalize, carol)
        await play.requested(5)
    # a challenge: entries, votes, results
    await play.slash(mod, "challenge start", {"theme": "storms", "duration": "1h"})
    announcement = await play.posted(lambda m: "New challenge" in m.content, "the announcement")
    await play.slash(alice, "challenge submit", {"clip": "#1"})
    await play.slash(bob, "challenge submit", {"clip": "#2"})
    await play.slash(carol, "challenge vote", {"challenge": 1, "clip": "#2"})
    await play.slash(mod, "challenge close", {"id": 1})
    await play.posted(lambda m: "is over" in m.content, "the results")
    del announcement
    # a relay of two shots
    await play.slash(mod, "challenge start", {"theme": "a fox in the snow", "duration": "1h", "kind": "relay",
                                              "shot_seconds": 1, "max_turns": 2})  # fmt: skip
    await play.posted(lambda m: "New relay" in m.content, "the relay's announcement")
    for member, text in ((alice, "the fox digs for mice"), (bob, "an owl watches from a pine")):
        await play.slash(member, "relay add", {"text": text})
        await play.requested(max(journey.requests) + 1)
    await play.posted(lambda m: "final cut" in m.content, "the final cut")
    await settle(fake, studio)
    record_channel(play)  # every request is done: what stays for each, before anyone leaves
    # forget
    await play.slash(bob, "profile")
    ask = await play.slash(bob, "forget me")
    play.note("\n> bob presses [Forget]")
    await fake.click(ask, ask.custom_ids()[0], bob)
    await fake.wait_until(lambda: ask.content.startswith("Done"), what="bob to be forgotten")
    play.saw("bob", ask)
    await settle(fake, studio)
    show_channel(play, "What stayed in #general after bob left")
    return journey


async def settle(fake: FakeDiscord, studio: Studio) -> None:
    """Until every job was delivered and the bot stopped writing."""
    for _ in range(600):
        if not await studio.active_jobs() and not await studio.finished_jobs("discord"):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # the last retired status messages


def record_channel(play: Player) -> None:
    """What stayed in the channel: lasting bot messages per request, failures said, the images posted."""
    journey = play.journey
    bot_id = play.fake.bot_user.id
    lasting = [m for m in play.fake.channel_messages(play.channel) if m.author.id == bot_id]
    for clip_id in journey.requests:
        journey.lasting[clip_id] = [m for m in lasting if about_request(m, clip_id)]
        said = re.compile(rf"clip #{clip_id} couldn't be made", re.I)
        journey.failures_said[clip_id] = sum(1 for m in play.fake.messages
                                             if m.author.id == bot_id and said.search(m.content))  # fmt: skip
    for message in lasting:
        for attachment in message.attachments:
            if attachment.filename.endswith(".png"):
                journey.images.append((attachment.filename, Image.open(io.BytesIO(attachment.data)).convert("RGB")))
    show_channel(play, "What stayed in #general once every request was done")


def show_channel(play: Player, heading: str) -> None:
    bot_id = play.fake.bot_user.id
    play.note(f"\n## {heading}\n")
    for message in play.fake.channel_messages(play.channel):
        if message.author.id == bot_id:
            play.note(describe(message) + "\n---")


def about_request(message: FakeMessage, clip_id: int) -> bool:
    """Whether a bot message belongs to request `clip_id`: the clip's post (its files), its status card (the
    card's footer), or a status line about it; community posts naming the clip (results) don't."""
    if any(re.fullmatch(rf"clip-{clip_id}(-take-\d+)?\.mp4", a.filename) for a in message.attachments):
        return True
    if any(re.match(rf"Clip #{clip_id}\b", (embed.get("footer") or {}).get("text", "")) for embed in message.embeds):
        return True
    return bool(re.match(r"(🚫|❌|⏳|✅|▰|▱|⚠️|🎬)", message.content)) and bool(
        re.search(rf"clip #{clip_id}\b", message.content, re.I))


def degenerate(image: Image.Image) -> bool:
    """A blank or one-colour picture (the blank-white storyboard that once shipped in every post)."""
    pixels = np.asarray(image, dtype=float)
    return pixels.std() < 8 or (pixels > 245).mean() > 0.97
