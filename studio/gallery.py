"""What the web gallery shows: a server's clips, one clip with its family, a challenge, a member.

Read-only, and read afresh on every call (no cache), so a deleted clip or a forgotten member is gone
from the next page load and a challenge's votes appear only once it has closed. Every read is scoped
to one server: asking for another server's clip, challenge or member raises `common.errors.NotFound`,
the same as for one that never existed.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from common.text import Text
from common.errors import NotFound
from generation.errors import EncodeError
from generation.previews import loop_preview, poster_frame
from generation.recipe import ShotRender
from prompts.schema import ShotList
from storage import challenges as challenge_store
from storage import clips as clip_store
from storage.cast import Character, find_character
from storage.cast_uses import CastCredit, clip_cast, clips_featuring
from storage.profiles import remixes_received
from storage.records import Challenge, Clip, RelayTurn
from studio import profiles
from studio.challenges import ChallengeService, ChallengeView, RelayFilm
from studio.profiles import Profile
from studio.lineage import LineageTree, lineage_tree
from studio.remix import credit_line, recipe_text
from studio.members import Member, ancestry
from studio.service import Studio

# Clips per page of a server's latest clips.
PAGE_SIZE = 24
# Clips listed on a member page, per list.
MEMBER_LIST = 48


@dataclass(frozen=True)
class ClipPage:
    """Everything a clip's gallery page shows."""

    clip: Clip
    shot_list: ShotList
    recipes: list[ShotRender]
    # Everything needed to render the clip again (studio.remix.recipe_text), a Text per line.
    recipe: list[Text]
    # The remix chain from the original down to the clip's parent (the clip itself not included).
    chain: list[Clip]
    # "remix of alice's clip #12", or None for an original.
    credit: Text | None
    lineage: LineageTree
    # Direct remixes of this clip that can be watched, oldest first.
    remixes: list[Clip]
    # The relay film this clip is a shot of, if any.
    relay: tuple[Challenge, RelayTurn] | None
    # The characters it features, each credited to its owner; `characters` holds the ids of those that
    # still have a page (active), which the page links.
    cast: list[CastCredit] = field(default_factory=list)
    characters: frozenset[int] = frozenset()

    @property
    def remix_note(self) -> Text | None:
        """What the remix changed (stored as Text JSON; common.text)."""
        return Text.loads(self.clip.remix_note)

    @property
    def credited(self) -> list[tuple[int, str]]:
        """(user id, name) of everyone whose work is in the clip: the chain's authors, then the clip's own."""
        people = [(c.author_id, c.author_name) for c in self.chain if c.status != "deleted"]
        return list(dict.fromkeys([*people, (self.clip.author_id, self.clip.author_name)]))


@dataclass(frozen=True)
class CharacterPage:
    """A character's gallery page in one server: the character and the rendered clips of this server that
    feature it, newest first."""

    character: Character
    clips: list[Clip]


@dataclass(frozen=True)
class MemberPage:
    """A member's gallery page in one server."""

    user_id: int
    name: str
    profile: Profile
    # The member's watchable clips in the server, newest first.
    clips: list[Clip]
    # Remixes others made of the member's clips, newest first.
    remixes_received: list[Clip]
    # Vote challenges the member won, with the winning clip, newest first.
    wins: list[tuple[Challenge, Clip]]


@dataclass(frozen=True)
class ChallengePage:
    """A challenge's gallery page."""

    view: ChallengeView
    # Relays: the film as last stitched (its path None until a first cut was made).
    film: RelayFilm | None


def watchable(clip: Clip) -> bool:
    """Whether the gallery can show the clip: rendered and with a video file recorded."""
    return clip.status == "ready" and clip.video_path is not None


class Gallery:
    """The gallery's reads over a Studio. `now` arguments (seconds since the epoch) are for tests."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        self.challenges = ChallengeService(studio)

    async def access(self, guild_id: int) -> str:
        """The server's `gallery` setting: "off", "link" or "public"."""
        return (await self.studio.settings(guild_id)).gallery

    async def latest(
        self, guild_id: int, *, before_id: int | None = None, limit: int | None = None
    ) -> tuple[list[Clip], int | None]:
        """A page of `limit` (default PAGE_SIZE) of the server's rendered clips, newest first, and the
        `before_id` of the next page (None on the last page)."""
        limit = PAGE_SIZE if limit is None else limit
        clips = await self.studio.adb.read(
            clip_store.list_clips, guild_id=guild_id, status="ready", limit=limit + 1, before_id=before_id
        )
        return clips[:limit], (clips[limit - 1].id if len(clips) > limit else None)

    async def clip(self, guild_id: int, clip_id: int) -> Clip:
        """A watchable clip of the server. Raises NotFound otherwise (deleted, rendering, elsewhere)."""
        clip = await self.studio.adb.read(clip_store.find_clip, clip_id)
        if clip is None or clip.guild_id != guild_id or not watchable(clip):
            raise NotFound("There is no clip #{clip_id} here.", clip_id=clip_id)
        return clip

    async def clip_page(self, guild_id: int, clip_id: int) -> ClipPage:
        """A watchable clip of the server with its recipe, remix chain, credit, lineage tree, watchable remixes and
        relay. Raises NotFound otherwise."""
        clip = await self.clip(guild_id, clip_id)

        def read(
            db: sqlite_utils.Database,
        ) -> tuple[tuple[list[Clip], int], LineageTree, list[Clip], tuple | None, list, set]:
            ancestors = ancestry(db, clip)  # named as this server sees them; others' servers only counted
            remixes = [c for c in clip_store.children(db, clip_id) if c.guild_id == guild_id and watchable(c)]
            turn = challenge_store.relay_turn_for_clip(db, clip_id)
            relay = None if turn is None else (challenge_store.get_challenge(db, turn.challenge_id), turn)
            # Seen as a visitor of this server sees it: other servers' remixes are only counted.
            visitor = Member(0, "gallery visitor", guild_id=guild_id)
            cast = clip_cast(db, clip_id)
            active = {c.character_id for c in cast if (found := find_character(db, c.character_id)) is not None
                      and found.status == "active"}  # fmt: skip
            return ancestors, lineage_tree(db, clip_id, visitor), remixes, relay, cast, active

        ancestors, tree, remixes, relay, cast, active = await self.studio.adb.read(read)
        return ClipPage(
            clip=clip,
            shot_list=Studio.shot_list(clip),
            recipes=Studio.recipes(clip),
            recipe=recipe_text(clip, *ancestors, cast=cast),
            chain=list(reversed(ancestors[0])),
            credit=credit_line(ancestors[0], elsewhere=ancestors[1], clip=clip),
            lineage=tree,
            remixes=remixes,
            relay=relay if relay is not None and relay[0].guild_id == guild_id else None,
            cast=cast,
            characters=frozenset(active),
        )

    async def character(self, guild_id: int, character_id: int) -> CharacterPage:
        """An active character with a place in this server (made here, or featured in one of its rendered
        clips by its owner) and this server's rendered clips featuring it. Raises NotFound otherwise, the
        same as for a character that never existed."""

        def read(db: sqlite_utils.Database) -> CharacterPage | None:
            found = find_character(db, character_id)
            if found is None or found.status != "active":
                return None
            clips = [c for c in clips_featuring(db, character_id, guild_id, limit=MEMBER_LIST) if watchable(c)]
            return CharacterPage(found, clips) if found.guild_id == guild_id or clips else None

        page = await self.studio.adb.read(read)
        if page is None:
            raise NotFound("There is no character #{character_id} here.", character_id=character_id)
        return page

    async def member(self, guild_id: int, user_id: int) -> MemberPage:
        """A member's page. Only members with work in this server have one here (NotFound otherwise),
        so the gallery never shows who someone is in another server."""
        clips = await self.studio.adb.read(
            clip_store.list_clips, guild_id=guild_id, author_id=user_id, status="ready", limit=MEMBER_LIST
        )
        if not clips:
            raise NotFound("There is no member {user_id} here.", user_id=user_id)
        name = clips[0].author_name
        profile = await profiles.profile(self.studio, Member(user_id, name, guild_id))
        received = await self.studio.adb.read(remixes_received, user_id, guild_id, limit=MEMBER_LIST)
        wins = await profiles.wins(self.studio, guild_id, user_id)
        return MemberPage(user_id, name, profile, clips, [c for c in received if watchable(c)], wins)

    async def challenge_list(self, guild_id: int) -> list[Challenge]:
        """The server's challenges and relays, newest first (cancelled ones left out)."""
        challenges = await self.studio.adb.read(challenge_store.list_challenges, guild_id)
        return [challenge for challenge in challenges if challenge.status != "cancelled"]

    async def challenge(self, guild_id: int, challenge_id: int, *, now: float | None = None) -> ChallengePage:
        """A challenge of the server: entries always, votes and ranking only once it has closed."""
        view = await self.challenges.show(Member(0, "", guild_id), challenge_id, now=now)
        if view.challenge.status == "cancelled":
            raise NotFound("There is no challenge #{challenge_id} here.", challenge_id=challenge_id)
        film = await self.challenges.film_so_far(view.challenge) if view.challenge.kind == "relay" else None
        return ChallengePage(view, film)

    async def poster(self, guild_id: int, clip_id: int) -> Path:
        """The watchable clip's poster frame (a JPEG, made on first use: generation.previews.poster_frame).
        Raises NotFound for a clip the gallery doesn't show, or whose video can't be read."""
        return await self._derived(guild_id, clip_id, poster_frame)

    async def preview(self, guild_id: int, clip_id: int) -> Path:
        """The watchable clip's short looping preview (an animated WebP, made on first use:
        generation.previews.loop_preview). Raises NotFound as `poster` does."""
        return await self._derived(guild_id, clip_id, loop_preview)

    async def _derived(self, guild_id: int, clip_id: int, make: Callable[[Path], Path]) -> Path:
        clip = await self.clip(guild_id, clip_id)
        try:
            return await asyncio.to_thread(make, Path(clip.video_path or ""))
        except EncodeError as error:
            raise NotFound("There is no clip #{clip_id} here.", clip_id=clip_id) from error

    async def leaderboard(self, guild_id: int, challenge_id: int) -> Path:
        """The leaderboard image of an ended vote challenge (drawn when it closed). Raises NotFound while it
        runs, for a relay, or when none was drawn (no entries)."""
        page = await self.challenge(guild_id, challenge_id)
        results = page.view.results
        path = getattr(results, "leaderboard_path", None)
        if path is None:
            raise NotFound("Challenge #{challenge_id} has no leaderboard.", challenge_id=challenge_id)
        return path

    async def film_path(self, guild_id: int, challenge_id: int) -> Path:
        """The relay's film file as last stitched. Raises NotFound when there is none (yet)."""
        page = await self.challenge(guild_id, challenge_id)
        if page.film is None or page.film.path is None:
            raise NotFound("Challenge #{challenge_id} has no film yet.", challenge_id=challenge_id)
        return page.film.path
