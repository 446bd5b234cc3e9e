"""A server's work stays in it, as one core rule (studio.members.may_bring, ancestry): content made in one
server appears in another only if every part of it was authored by the member carrying it; credits,
recipe cards, lineage and gallery pages count ancestors from elsewhere without naming them.

Found by the round's probes: remixing your own server-A remix of another member's clip from server B or a
DM copied that member's prompt, title and name into server B's clip, credit line and gallery.
"""
from __future__ import annotations

import asyncio
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from common.errors import NotFound, ReelbotError
from storage import clips as clip_store
from storage.settings import set_setting
from studio.config import Config
from studio.lineage import lineage_text, lineage_tree
from studio.members import Member, ancestry
from studio.remix import RemixError, parse_change, recipe_card, remix
from studio.remix.credits import credit
from studio.runtime import open_studio
from studio.service import Studio

A, B = 1, 2
ALICE_A, BOB_A = Member(101, "alice", A, 11), Member(102, "bob", A, 11)
BOB_B, BOB_DM = Member(102, "bob", B, 21), Member(102, "bob", None, 31)


async def roomy(studio: Studio) -> None:
    for guild in (A, B):
        await studio.adb.write(set_setting, guild, "max_queued_per_user", 50)


async def made(studio: Studio, member: Member, text: str):
    accepted = await studio.create(member, text)
    await studio.cancel(member, accepted.job.id)  # no render needed: lineage is what is checked
    return accepted.clip


async def remixed(studio: Studio, member: Member, clip_id: int, change: str):
    accepted = await remix(studio, member, clip_id, parse_change(change))
    await studio.cancel(member, accepted.job.id)
    return accepted.clip


async def test_your_remix_of_someone_elses_clip_stays_in_its_server(studio: Studio) -> None:
    await roomy(studio)
    original = await made(studio, ALICE_A, "alice's secret lighthouse at dusk")
    bobs = await remixed(studio, BOB_A, original.id, "make it noir")
    for elsewhere in (BOB_B, BOB_DM):
        with pytest.raises(RemixError) as refused:
            await remix(studio, elsewhere, bobs.id, parse_change("make it pastel"))
        assert refused.value.code == "foreign_work"
        assert "can't be brought here" in refused.value.user_message
    # Bob's own work travels with him; where it lands it is counted, never named.
    own = await made(studio, BOB_A, "bob's kite over the dunes")
    carried = await remixed(studio, BOB_B, own.id, "make it noir")
    assert (await credit(studio, carried)).english() == "remix of 1 clip from elsewhere"
    card = "\n".join(t.english() for t in await recipe_card(studio, BOB_B, carried.id))
    assert f"#{own.id}" not in card and "1 clip from elsewhere" in card
    tree = await studio.adb.read(lineage_tree, carried.id, BOB_B)
    assert "dunes" not in lineage_text(tree).replace(carried.shot_list["title"], "")
    with pytest.raises(NotFound):  # others' clips of another server are not even there
        await remix(studio, Member(103, "carol", B, 21), own.id, parse_change("reroll"))


# --- the property: random chains of remixes across two servers and DMs --------------------------------

MEMBERS = ("alice", "bob", "carol")
PLACES = (A, B, None)  # two servers and each member's DMs
# make: a new clip by a member somewhere; remix: a member remixes the latest clip where it was made;
# carry: the latest clip's author remixes it from somewhere (maybe elsewhere).
step = st.tuples(st.sampled_from(("make", "remix", "carry")), st.sampled_from(MEMBERS), st.sampled_from(PLACES))


def member(name: str, place: int | None) -> Member:
    return Member(MEMBERS.index(name) + 1, name, place, 10 + (place or 0))


async def play(steps: list[tuple[str, str, int | None]]) -> None:
    with tempfile.TemporaryDirectory() as home:
        studio = open_studio(Config(home=Path(home), default_model="tiny"))
        try:
            await roomy(studio)
            clips = []
            for kind, name, place in steps:
                latest = clips[-1] if clips else None
                try:
                    if kind == "make" or latest is None:
                        clips.append(await made(studio, member(name, place), f"{name}'s film number {len(clips) + 1}"))
                    elif kind == "remix":
                        clips.append(await remixed(studio, member(name, latest.guild_id), latest.id, "make it noir"))
                    else:
                        clips.append(await remixed(studio, member(latest.author_name, place), latest.id, "reroll"))
                except ReelbotError:
                    continue  # refused (not visible, opted out, foreign work): nothing was stored
            for clip in clips:
                await holds_the_rule(studio, clip)
        finally:
            await studio.aclose()


async def holds_the_rule(studio: Studio, clip) -> None:
    here = Member(clip.author_id, clip.author_name, clip.guild_id)
    chain = await studio.adb.read(clip_store.ancestors, clip.id)
    foreign = [c for c in chain if not here.sees(c.guild_id, c.author_id)]
    if chain and not here.sees(chain[0].guild_id, chain[0].author_id):
        # This clip carried its parent here: every part made elsewhere was authored by its author.
        assert all(c.author_id == clip.author_id for c in foreign), (clip, foreign)
    seen, elsewhere = await studio.adb.read(ancestry, clip)
    assert elsewhere == len(foreign)
    words = (await credit(studio, clip) or "").__str__()
    card = "\n".join(t.english() for t in await recipe_card(studio, here, clip.id))
    for other in foreign:  # the carrier's own work may come along, but where it was made is never named
        for text in (words, card):
            assert not re.search(rf"#{other.id}\b", text.replace(f"#{clip.id}", "")), text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=2, max_size=9))
def test_random_remix_chains_across_servers_and_dms_keep_the_rule(steps) -> None:
    asyncio.run(play(steps))
