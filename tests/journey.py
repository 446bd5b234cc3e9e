"""One community's journey through Reelbot on the loopback Discord, and what a member sees of it.

Three members and a moderator, on a server that shows every request's storyboard of stills first (the
default): create (a still re-rolled and edited, then Animate) -> remix (by reply and by every button of a
clip) -> takes (stills to pick) -> finalize -> challenge (every button of the announcement, 🏆 under a clip)
-> relay (Add a shot, Film so far) -> forget. `run_journey` plays it against a running bot and returns a `Journey`: every message the
channel ended with, every edit judged visible or not, every component offered and clicked with what it
answered, the direct messages, and a transcript a person can read. The quick test (tests/test_journey.py)
and the benchmark (benchmarks/journey.py) play this same journey.

Every component on every post is usable: Details and Remix (its form opened) are clicked on every clip post;
each other component (the storyboard's shot and take menus, Animate and Cancel; Re-roll, Vary (subtle), Restyle, Extend,
Delete, Cancel on a rendering clip, Finalize, Enter challenge, Submit, Vote, Entries, Add a shot, Film so far,
Forget) at least once on its kind of post, and `Journey.unclicked` names any component a post offered that
nobody tried.
"""
from __future__ import annotations

import asyncio
import io
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from bot.incidents import GENERIC_APOLOGY
from discord_fake import FakeDiscord, FakeGuild, FakeInteraction, FakeMember, FakeMessage
from studio.service import Studio

RENDER_S = 60.0
QUICK = {"shots": 1, "duration": 1}
# What a component must never answer: a refusal or an apology means it led nowhere.
DEAD_ENDS = ("⚠️", "older version", str(GENERIC_APOLOGY))


@dataclass
class Journey:
    """What the journey left: the requests made (clip ids), the channel, the edits, the components, the
    direct messages, the transcript."""

    requests: list[int] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)
    # (message id, what changed) for every edit of a bot message; "nothing" for an edit no one could see.
    edits: list[tuple[int, str]] = field(default_factory=list)
    lasting: dict[int, list[FakeMessage]] = field(default_factory=dict)
    failures_said: dict[int, int] = field(default_factory=dict)
    images: list[tuple[str, Image.Image]] = field(default_factory=list)
    # (kind of post, component label) offered by any public bot message, and those a member clicked.
    offered: set[tuple[str, str]] = field(default_factory=set)
    clicked: set[tuple[str, str]] = field(default_factory=set)
    # (who, kind of post, label, what it answered) for every click that led nowhere.
    dead_ends: list[tuple[str, str, str, str]] = field(default_factory=list)
    # What stayed in the channel after the forget, and every member's direct messages from the bot.
    after_forget: list[FakeMessage] = field(default_factory=list)
    direct: dict[str, list[FakeMessage]] = field(default_factory=dict)

    @property
    def noop_edits(self) -> int:
        return sum(1 for _id, what in self.edits if what == "nothing")

    @property
    def lasting_messages_per_request(self) -> float:
        return sum(len(messages) for messages in self.lasting.values()) / max(1, len(self.requests))

    @property
    def unclicked(self) -> set[tuple[str, str]]:
        return self.offered - self.clicked


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


def labels(message: FakeMessage) -> list[tuple[str, str]]:
    """(custom id, label as shown) of every component of the message."""
    return [(c["custom_id"], c.get("label") or c.get("placeholder") or "") for c in message.walk_components()
            if "custom_id" in c]  # fmt: skip


def post_kind(message: FakeMessage) -> str:
    """What kind of post a bot message is, for the component coverage."""
    ids = " ".join(message.custom_ids())
    names = " ".join(a.filename for a in message.attachments)
    if "-take-" in names:
        return "takes post"
    if re.search(r"clip-\d+\.mp4", names):
        return "clip post"
    if "reelbot:storyboard:" in ids or "reelbot:stills:" in ids:
        return "storyboard"
    if "reelbot:job:cancel" in ids:
        return "status message"
    if "reelbot:relay:" in ids:
        return "relay announcement"
    if "reelbot:challenge:" in ids:
        return "challenge announcement"
    return "message"


def describe(message: FakeMessage) -> str:
    """A message as a member reads it, in a few lines."""
    lines = [message.content] if message.content else []
    for embed in message.embeds:
        lines.append(f"[card] {embed.get('title') or ''}".rstrip())
        if embed.get("description"):
            lines.append("  " + embed["description"].replace("\n", "\n  "))
        for item in embed.get("fields") or []:
            lines.append(f"  {item['name']}: {item['value']}".replace("\n", "\n    "))
        if (embed.get("footer") or {}).get("text"):
            lines.append(f"  ({embed['footer']['text']})")
    shown = [label for _id, label in labels(message)]
    if shown:
        lines.append("[buttons] " + " · ".join(shown))
    if message.attachments:
        lines.append("[files] " + ", ".join(a.filename for a in message.attachments))
    return "\n".join(lines)


def clip_number(message: FakeMessage) -> int:
    """The clip a status message or post is about (its card's footer, or its first line)."""
    texts = [(embed.get("footer") or {}).get("text", "") for embed in message.embeds] + [message.content]
    return int(next(m for text in texts if (m := re.search(r"[Cc]lip #(\d+)", text)))[1])


class Player:
    """Drives the journey and writes what each member did and saw into the transcript."""

    def __init__(self, fake: FakeDiscord, guild: FakeGuild, studio: Studio, journey: Journey,
                 members: dict[str, FakeMember]) -> None:  # fmt: skip
        self.fake, self.guild, self.studio, self.journey, self.members = fake, guild, studio, journey, members
        self.channel = guild.channel("general")

    def note(self, text: str) -> None:
        self.journey.transcript.append(text)

    def saw(self, who: str, message: FakeMessage) -> None:
        where = "privately" if message.ephemeral else "in #general" if message.guild_id else "in a direct message"
        self.note(f"{who} sees {where}:\n" + "\n".join("    " + line for line in describe(message).splitlines()))

    async def slash(self, member: FakeMember, command: str, options: dict | None = None) -> FakeMessage:
        self.note(f"\n> {member.name}: /{command} {' '.join(f'{k}:{v}' for k, v in (options or {}).items())}")
        reply = await (await self.fake.slash(member, command, options)).wait_message(timeout=30)
        self.saw(member.name, reply)
        return reply

    async def use(self, message: FakeMessage, label: str, member: FakeMember, *, form: dict | None = None,
                  pick: str | None = None) -> FakeMessage | None:  # fmt: skip
        """`member` uses the component shown as `label` on `message`: fills its `form` (a modal; without one
        the form is only opened, and then closed), or picks `pick` in the menu its reply shows. Returns what
        the member saw last; a reply that leads nowhere is recorded in `Journey.dead_ends`."""
        custom_id = next(cid for cid, shown in labels(message) if shown == label)
        kind = post_kind(message)
        self.journey.clicked.add((kind, label))
        menu = message.component(custom_id)["type"] != 2  # a select menu: picking is the click
        self.note(f"\n> {member.name} {'picks ' + repr(pick) + ' in' if menu else 'presses'} [{label}] on the {kind}")
        interaction = await self.fake.click(message, custom_id, member, values=[pick] if menu else None)
        if menu:
            pick = None
        reply = await self._answer(interaction, member, kind, label, source=message)
        if isinstance(reply, dict):  # a form
            self.note(f"{member.name} sees the form “{reply['title']}”")
            if form is None:
                return None
            self.note(f"> {member.name} fills it in: {form}")
            reply = await self._answer(await self.fake.submit_modal(interaction, form), member, kind, label)
        if pick is not None and isinstance(reply, FakeMessage):
            menu = next(cid for cid, _shown in labels(reply))
            self.note(f"> {member.name} picks {pick}")
            reply = await self._answer(await self.fake.click(reply, menu, member, values=[pick]), member, kind, label)
        return reply if isinstance(reply, FakeMessage) else None

    async def _answer(self, interaction: FakeInteraction, member: FakeMember, kind: str, label: str, *,
                      source: FakeMessage | None = None) -> FakeMessage | dict:  # fmt: skip
        await self.fake.wait_until(lambda: interaction.modal or interaction.messages(), timeout=30,
                                   what=f"an answer to {label}")
        if interaction.modal:
            return interaction.modal
        reply = interaction.messages()[0]
        if reply is not source or reply.edits:  # an acknowledged click shows nothing new until its edit
            self.saw(member.name, reply)
        text = reply.content + " ".join(str(embed.get("description") or "") for embed in reply.embeds)
        if any(dead in text for dead in DEAD_ENDS):
            self.journey.dead_ends.append((member.name, kind, label, text[:200]))
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

    async def requested(self, status: FakeMessage | int) -> FakeMessage:
        """The post of the request `status` (its status message, or its clip number) made."""
        clip_id = status if isinstance(status, int) else clip_number(status)
        self.journey.requests.append(clip_id)
        post = await self.clip_post(clip_id)
        # Members act on a post once the bot knows it as the clip's (a reply a moment earlier is conversation).
        for _ in range(400):
            if (await self.studio.clip(clip_id)).posted_message_id == post.id:
                break
            await asyncio.sleep(0.05)
        return post

    async def storyboard(self, status: FakeMessage) -> FakeMessage:
        """Until the request's status message has become its storyboard, every still rendered."""
        await self.fake.wait_until(lambda: ("storyboard", "Animate") in {(post_kind(status), label)
                                                                        for _id, label in labels(status)},
                                   timeout=RENDER_S, what=f"the storyboard of message {status.id}")  # fmt: skip
        clip_id = clip_number(status)
        for _ in range(400):  # a still re-rolled or edited a moment ago is drawn in once it is rendered
            if not any(view.clip.id == clip_id for view in await self.studio.active_jobs()):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        self.saw("everyone", status)
        return status

    async def animated(self, status: FakeMessage, member: FakeMember) -> FakeMessage:
        """The request's post: once its storyboard is there, the requester approves it (Animate). A request
        without stills first (a finalize refines its draft) is posted straight away."""
        clip_id = clip_number(status)

        def storyboard_or_post() -> bool:
            return any(label == "Animate" for _id, label in labels(status)) or any(
                any(a.filename == f"clip-{clip_id}.mp4" for a in m.attachments) for m in self.fake.messages)

        await self.fake.wait_until(storyboard_or_post, timeout=RENDER_S, what=f"clip #{clip_id}'s storyboard or post")
        if any(label == "Animate" for _id, label in labels(status)):
            await self.use(await self.storyboard(status), "Animate", member)
        return await self.requested(clip_id)

    async def details_and_remix_form(self, post: FakeMessage, member: FakeMember) -> None:
        """The two buttons every clip post answers without rendering anything: Details, and Remix's form."""
        await self.use(post, "Details", member)
        await self.use(post, "Remix", member)


async def run_journey(fake: FakeDiscord, guild: FakeGuild, studio: Studio, members: dict[str, FakeMember],
                      journey: Journey) -> Journey:  # fmt: skip
    """Play the journey against a running bot (the caller starts it, with a render worker)."""
    alice, bob, carol, mod = members["alice"], members["bob"], members["carol"], members["mod"]
    play = Player(fake, guild, studio, journey, members)
    watch_edits(fake, journey)

    # The server makes storyboards first (the default): every request's message shows its stills first.
    await play.slash(mod, "settings set", {"key": "stills_first", "value": "ask"})
    # create: stills, a shot re-rolled and edited in words, then Animate; remix by replying to the post
    status = await play.slash(alice, "video", {"prompt": "a lighthouse keeper's cat watches the storm", **QUICK})
    await play.use(await play.storyboard(status), "Change a shot…", alice, pick="reroll:1")
    await play.use(await play.storyboard(status), "Change a shot…", alice, pick="edit:1", form={"note": "at dusk"})
    first = await play.animated(status, alice)
    play.note("\n> bob replies to clip #1: make it noir")
    await fake.say(bob, play.channel, "make it noir", reply_to=first, mention_author=False)
    # The bot's reply to the reply is the remix's status message: its card names clip #2.
    reply = await fake.wait_for_message(channel=play.channel, predicate=lambda m: about_request(m, 2) or any(
        (embed.get("footer") or {}).get("text", "").startswith("Clip #2 ") for embed in m.embeds), timeout=RENDER_S)
    noir = await play.animated(reply, bob)
    # every button of a clip post
    await play.details_and_remix_form(first, carol)
    sunset = await play.animated(await play.use(noir, "Remix", carol, form={"change": "make it sunset", "shot": ""}),
                                 carol)  # fmt: skip
    await play.slash(alice, "remixes", {"notify": False})  # no more notes for alice
    # a subtle variation keeps the look already approved: no storyboard, posted straight away
    await play.animated(await play.use(first, "Vary (subtle)", carol), carol)
    rerolled = await play.storyboard(await play.use(first, "Re-roll", bob))
    journey.requests.append(clip_number(rerolled))
    await play.use(rerolled, "Cancel", bob)  # bob changes his mind at the storyboard
    restyled = await play.storyboard(await play.use(first, "Restyle", alice))
    extended = await play.storyboard(await play.use(first, "Extend", alice))
    restyle_id, extend_id = clip_number(restyled), clip_number(extended)
    await play.use(restyled, "Animate", alice)
    await play.use(extended, "Animate", alice)
    await play.use(extended, "Cancel", alice)  # its video queued behind the restyle's: cancelled before it renders
    journey.requests.append(extend_id)
    restyle = await play.requested(restyle_id)
    await play.use(restyle, "Delete", alice)
    for post in (noir, sunset):
        await play.details_and_remix_form(post, alice)
    # a challenge: entries by Submit and by 🏆 under a clip posted while it runs, a vote, the entries
    await play.slash(mod, "challenge start", {"theme": "storms", "duration": "1h"})
    contest = await play.posted(lambda m: "New challenge" in m.content, "the announcement")
    await play.use(contest, "Submit", alice, pick="1")
    await play.use(contest, "Entries", bob)
    # takes are stills to pick from; the picked clip is a draft, then its final
    takes = await play.storyboard(await play.slash(carol, "video", {
        "prompt": "a paper boat on a rainy street", **QUICK, "takes": 2, "draft": True}))
    await play.use(takes, "Pick takes…", carol, pick="all:2")
    picked = await play.animated(takes, carol)
    final = await play.animated(await play.use(picked, "Finalize", carol), carol)
    for post in (picked, final):
        await play.details_and_remix_form(post, bob)
    await play.use(noir, "Details", bob)
    await play.use(final, "Enter challenge", carol)
    await play.slash(bob, "challenge submit", {"clip": "#2"})
    await play.use(contest, "Vote", carol, pick="2")
    await play.slash(mod, "challenge close", {"id": 1})
    await play.posted(lambda m: "is over" in m.content, "the results")
    # a relay of two shots
    await play.slash(mod, "challenge start", {"theme": "a fox in the snow", "duration": "1h", "kind": "relay",
                                              "shot_seconds": 1, "max_turns": 2})  # fmt: skip
    relay = await play.posted(lambda m: "New relay" in m.content, "the relay's announcement")
    fox = await play.animated(await play.use(relay, "Add a shot", alice, form={"text": "the fox digs for mice"}), alice)
    await play.use(relay, "Film so far", carol)
    owl = await play.animated(await play.slash(bob, "relay add", {"text": "an owl watches from a pine"}), bob)
    await play.posted(lambda m: "final cut" in m.content, "the final cut")
    for post in (fox, owl):
        await play.details_and_remix_form(post, carol)
    await settle(fake, studio)
    record_channel(play)  # every request is done: what stays for each, before anyone leaves
    # forget
    await play.slash(bob, "profile")
    ask = await play.slash(bob, "forget me")
    await play.use(ask, "Forget", bob)
    # Every message that shows bob is edited within the channel's message budget: seconds, not a moment.
    await fake.wait_until(lambda: ask.content.startswith("Done"), what="bob to be forgotten", timeout=RENDER_S)
    play.saw("bob", ask)
    await settle(fake, studio)
    journey.after_forget = show_channel(play, "What stayed in #general after bob left")
    journey.images += images_of(journey.after_forget)
    journey.direct = {name: direct_messages(fake, member) for name, member in members.items()}
    play.note(f"\nDirect messages from the bot left: {sum(map(len, journey.direct.values()))}")
    return journey


async def settle(fake: FakeDiscord, studio: Studio) -> None:
    """Until every job was delivered and the bot stopped writing."""
    for _ in range(600):
        if not await studio.active_jobs() and not await studio.finished_jobs("discord"):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # the last retired status messages


def direct_messages(fake: FakeDiscord, member: FakeMember) -> list[FakeMessage]:
    """The bot's direct messages to `member` still there."""
    channels = {c.id for c in fake.state.channels.values() if c.type == 1 and c.recipient is not None
                and c.recipient.id == member.user.id}  # fmt: skip
    return [m for m in fake.messages if m.channel_id in channels and not m.deleted and m.author.id == fake.bot_user.id]


def record_channel(play: Player) -> None:
    """What stayed in the channel: lasting bot messages per request, failures said, the images posted, and
    every component any public bot message offered."""
    journey = play.journey
    bot_id = play.fake.bot_user.id
    lasting = show_channel(play, "What stayed in #general once every request was done")
    for clip_id in journey.requests:
        journey.lasting[clip_id] = [m for m in lasting if about_request(m, clip_id)]
        said = re.compile(rf"clip #{clip_id} couldn't be made", re.I)
        journey.failures_said[clip_id] = sum(1 for m in play.fake.messages
                                             if m.author.id == bot_id and said.search(m.content))  # fmt: skip
    journey.images += images_of(lasting)
    for name, member in play.members.items():
        for message in direct_messages(play.fake, member):
            play.saw(name, message)
    for message in play.fake.messages:
        if message.author.id == bot_id and not message.ephemeral and message.channel_id == play.channel.id:
            journey.offered |= {(post_kind(message), label) for _id, label in labels(message)}


def images_of(messages: list[FakeMessage]) -> list[tuple[str, Image.Image]]:
    return [(a.filename, Image.open(io.BytesIO(a.data)).convert("RGB"))
            for message in messages for a in message.attachments if a.filename.endswith(".png")]  # fmt: skip


def show_channel(play: Player, heading: str) -> list[FakeMessage]:
    bot_id = play.fake.bot_user.id
    play.note(f"\n## {heading}\n")
    shown = [m for m in play.fake.channel_messages(play.channel) if m.author.id == bot_id]
    for message in shown:
        play.note(describe(message) + "\n---")
    return shown


def about_request(message: FakeMessage, clip_id: int) -> bool:
    """Whether a bot message belongs to request `clip_id`: the clip's post (its files), its status card (the
    card's footer), or a status line about it; community posts naming the clip (results) don't."""
    if any(re.fullmatch(rf"clip-{clip_id}(-take-\d+)?\.mp4", a.filename) for a in message.attachments):
        return True
    if any(re.match(rf"Clip #{clip_id}\b", (embed.get("footer") or {}).get("text", "")) for embed in message.embeds):
        return True
    return bool(re.match(r"(🚫|❌|⏳|✅|▰|▱|⚠️|🎬|🗑️|<@\d+> the stills)", message.content)) and bool(
        re.search(rf"clip #{clip_id}\b", message.content, re.I))


def degenerate(image: Image.Image) -> bool:
    """A blank or one-colour picture (the blank-white storyboard that once shipped in every post)."""
    pixels = np.asarray(image, dtype=float)
    return pixels.std() < 8 or (pixels > 245).mean() > 0.97
