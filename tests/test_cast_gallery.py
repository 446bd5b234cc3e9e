"""The cast on the web gallery: a clip credits each character's owner and links its page; a character's page
shows its pictures and every clip of this server featuring it; other servers see nothing of it unless its
owner brought it there; deletion and forgetting show through at once."""
from __future__ import annotations

import dataclasses
import re

import pytest

from bot.gallery.links import character_path, character_picture_path, clip_path
from cast_fixtures import MIRA, mira, ready_cast_clip, roomy
from gallery_fixtures import ALICE, BOB, GUILD, MALLORY, OTHER_GUILD, client, links, studio
from studio.cast.desk import CastDesk

__all__ = ["client", "links", "studio"]  # fixtures
OWNER_AWAY = dataclasses.replace(BOB, guild_id=OTHER_GUILD)


async def page(client, url: str, status: int = 200) -> str:
    response = await client.get(url)
    assert response.status == status, (url, response.status)
    return await response.text()


@pytest.fixture
async def cast_studio(studio):
    await roomy(studio, GUILD, OTHER_GUILD)
    return studio


async def test_a_clip_page_credits_the_cast_and_the_character_page_lists_its_clips(cast_studio, client, links):
    character = await mira(cast_studio, owner=BOB)
    clip = await ready_cast_clip(cast_studio, ALICE, "Mira walks to school, then she waves")
    plain = await ready_cast_clip(cast_studio, ALICE, "a dog walks to school")
    brought = await ready_cast_clip(cast_studio, OWNER_AWAY, "a walk on the beach", cast="Mira")

    html = await page(client, links.signed(GUILD, clip_path(GUILD, clip.id)))
    [cast] = re.findall(r'<ul class="cast">(.*?)</ul>', html, re.S)
    character_link = links.signed(GUILD, character_path(GUILD, character.id)).replace("&", "&amp;")
    assert f'<a class="character-link" href="{character_link}">Mira</a> by bob' in cast
    assert "from their description only" in cast
    assert "Mira by bob: shots 1, 2, rendered from their description only" in html  # the recipe card
    assert "· Cast: Mira by bob" in html  # the lineage tree
    assert MIRA in html  # the style bible's characters

    mira_page = await page(client, links.signed(GUILD, character_path(GUILD, character.id)))
    assert "A character by bob" in mira_page and "also called 米拉, ミラ" in mira_page and MIRA in mira_page
    assert "1 clip featuring them" in mira_page
    assert f"#{clip.id}" in mira_page and f"#{plain.id}" not in mira_page and f"#{brought.id}" not in mira_page
    for number in (1, 2):
        picture = await client.get(links.signed(GUILD, character_picture_path(GUILD, character.id, number)))
        assert picture.status == 200 and (await picture.read()).startswith(b"\x89PNG")
    missing = await client.get(links.signed(GUILD, character_picture_path(GUILD, character.id, 3)))
    assert missing.status == 404

    # In the other server, only the clip Bob brought her into shows, and her page lists only that.
    away = await page(client, links.signed(OTHER_GUILD, character_path(OTHER_GUILD, character.id)))
    assert f"#{brought.id}" in away and f"#{clip.id}" not in away
    # A server she never appeared in has no page of her (a link signed for it, even).
    await page(client, links.signed(MALLORY.guild_id + 1, character_path(MALLORY.guild_id + 1, character.id)), 404)


async def test_deleting_a_character_keeps_the_clips_credit_and_takes_its_page_down(cast_studio, client, links):
    character = await mira(cast_studio, owner=BOB)
    clip = await ready_cast_clip(cast_studio, ALICE, "Mira dances")
    await CastDesk(cast_studio).delete(BOB, "Mira")
    await page(client, links.signed(GUILD, character_path(GUILD, character.id)), 404)
    html = await page(client, links.signed(GUILD, clip_path(GUILD, clip.id)))
    [cast] = re.findall(r'<ul class="cast">(.*?)</ul>', html, re.S)
    assert "Mira by bob" in cast and "character-link" not in cast


async def test_a_forgotten_owners_character_is_credited_to_a_deleted_member(cast_studio, client, links):
    await mira(cast_studio, owner=BOB)
    clip = await ready_cast_clip(cast_studio, ALICE, "Mira dances")
    await cast_studio.forget(BOB)
    html = await page(client, links.signed(GUILD, clip_path(GUILD, clip.id)))
    [cast] = re.findall(r'<ul class="cast">(.*?)</ul>', html, re.S)
    assert "a deleted member&#39;s character by a deleted member" in cast and "bob" not in cast
