"""The gallery's challenge and member pages, its setting and config, and opening it from the console and
the command line."""
from __future__ import annotations

import dataclasses
import re
import socket
from pathlib import Path

import aiohttp
import pytest

from bot.cli import main
from bot.console import ConsoleSession, console_member
from bot.gallery.links import film_path, leaderboard_path, member_path, preview_path
from challenge_fixtures import ready_clip
from gallery_fixtures import ALICE, BOB, CHANNEL, GUILD, MALLORY, client, links, make_clip, studio
from storage import challenges as challenge_store
from storage.clips import delete_clip
from common.errors import InvalidValue
from storage.settings import set_setting
from studio.challenges import ChallengeService
from studio.config import load_config

__all__ = ["client", "links", "studio"]  # fixtures
ADMIN = dataclasses.replace(ALICE, id=9, name="admin", can_moderate=True)
CAROL = dataclasses.replace(BOB, id=4, name="carol")


async def page(client, url: str) -> str:
    response = await client.get(url)
    assert response.status == 200, url
    return await response.text()


async def test_votes_stay_hidden_until_the_challenge_ends(studio, client, links):
    service = ChallengeService(studio)
    challenge = (await service.start(ADMIN, "Cats doing jobs", "1h")).challenge
    alices = await make_clip(studio, ALICE, title="Cat plumber")
    bobs = await make_clip(studio, BOB, title="Cat pilot")
    await service.submit(ALICE, alices.id, challenge.id)
    await service.submit(BOB, bobs.id, challenge.id)
    await service.vote(CAROL, challenge.id, bobs.id)
    url = links.signed(GUILD, f"/g/{GUILD}/challenge/{challenge.id}")

    running = await page(client, url)
    assert "Cats doing jobs" in running and "Cat plumber" in running and "Cat pilot" in running
    assert "Votes stay hidden until the challenge ends" in running and not re.search(r"\d+ votes?\b", running)
    assert "Cats doing jobs" in await page(client, links.signed(GUILD, f"/g/{GUILD}/challenges"))

    await service.close(ADMIN, challenge.id)
    ended = await page(client, url)
    cards = re.findall(r'<li class="card">.*?</li>', ended, re.S)
    assert "Cat pilot" in cards[0] and "Winner" in cards[0] and "Rank 1" in cards[0] and "1 vote" in cards[0]
    assert "Cat plumber" in cards[1] and "Winner" not in cards[1] and "0 votes" in cards[1]
    # The leaderboard image drawn when it closed, and a moving thumbnail per entry.
    board = await client.get(links.signed(GUILD, leaderboard_path(GUILD, challenge.id)))
    assert board.status == 200 and board.content_type == "image/png"
    assert links.signed(GUILD, leaderboard_path(GUILD, challenge.id)).replace("&", "&amp;") in ended
    assert links.signed(GUILD, preview_path(GUILD, bobs.id)) in ended

    bob = await page(client, links.signed(GUILD, member_path(GUILD, BOB.id)))
    assert "1 challenge win" in bob and "Cats doing jobs" in bob and "Cat pilot" in bob


async def test_a_relay_page_plays_the_film_and_names_its_contributors(studio, client, links):
    service = ChallengeService(studio)
    relay = await studio.adb.write(
        challenge_store.create_challenge, guild_id=GUILD, channel_id=CHANNEL, theme="A fox in the snow",
        kind="relay", created_by=ADMIN.id, starts_at=0.0, ends_at=None,
    )
    for author, text in ((ALICE, "the fox digs for mice"), (BOB, "an owl watches from a pine")):
        shot = await make_clip(studio, author, title=text)
        await studio.adb.write(challenge_store.add_relay_turn, relay.id, user_id=author.id, text=text, clip_id=shot.id)
    url = links.signed(GUILD, f"/g/{GUILD}/challenge/{relay.id}")
    assert "No cut of the film yet" in await page(client, url)

    film = await service.relay_film(ALICE, relay.id)  # what the bot does when a shot lands
    assert film.path is not None
    html = await page(client, url)
    assert "With alice, bob" in html and "the fox digs for mice" in html and "an owl watches" in html
    video = await client.get(links.signed(GUILD, film_path(GUILD, relay.id)), headers={"Range": "bytes=0-99"})
    assert video.status == 206 and video.content_type == "video/mp4" and len(await video.read()) == 100
    clip_page = await page(client, links.clip(GUILD, 1))
    assert "Shot 1 of the relay film" in clip_page and "A fox in the snow" in clip_page

    # Bob is forgotten: the film keeps his shot, anonymised (README's policy), and plays as before.
    await studio.forget(BOB)
    html = await page(client, url)
    assert "With alice, a deleted member" in html and "Shot 2" in html and "in the film" in html
    assert "an owl watches" not in html and "bob" not in html and "member 2" not in html and "missing" not in html
    again = await client.get(links.signed(GUILD, film_path(GUILD, relay.id)), headers={"Range": "bytes=0-99"})
    assert again.status == 206 and (await service.film_so_far(relay)).path == film.path


async def test_member_pages_show_clips_and_remixes_received_and_only_here(studio, client, links):
    original = await make_clip(studio, ALICE, title="Cat plumber")
    await make_clip(studio, BOB, title="Cat plumber, underwater", parent=original)
    await make_clip(studio, MALLORY, title="Not here")
    # A cancelled and a failed clip are no films: neither listed nor counted.
    await ready_clip(studio, ALICE, title="Cat failed", status="failed")
    cancelled = await ready_clip(studio, ALICE, title="Cat cancelled", status="queued")
    job = next(view.job for view in await studio.my_jobs(ALICE) if view.clip.id == cancelled.id)
    await studio.cancel(ALICE, job.id)
    alice = await page(client, links.signed(GUILD, member_path(GUILD, ALICE.id)))
    assert "Cat cancelled" not in alice and "Cat failed" not in alice
    assert "1 clip " in alice and "1 remix by others" in alice and "Cat plumber, underwater" in alice
    # Someone with clips only in another server has no page here.
    assert (await client.get(links.signed(GUILD, member_path(GUILD, MALLORY.id)))).status == 404
    # A member whose clips are all gone has no page any more.
    await studio.adb.write(delete_clip, original.id)
    assert (await client.get(links.signed(GUILD, member_path(GUILD, ALICE.id)))).status == 404


async def test_the_gallery_setting_is_validated(studio):
    with pytest.raises(InvalidValue, match="off, link, public"):
        await studio.adb.write(set_setting, GUILD, "gallery", "everyone")
    assert (await studio.adb.write(set_setting, GUILD, "gallery", "public")).gallery == "public"
    assert (await studio.settings(GUILD + 1)).gallery == "link"


def test_gallery_config_from_file_and_environment(tmp_path: Path, monkeypatch):
    path = tmp_path / "reelbot.toml"
    path.write_text('[gallery]\nport = 9000\nbase_url = "https://films.example.org/"\n')
    monkeypatch.setenv("REELBOT_GALLERY_HOST", "0.0.0.0")
    config = load_config(path)
    assert (config.gallery.host, config.gallery.port, config.gallery.enabled) == ("0.0.0.0", 9000, True)
    assert config.gallery.public_url == "https://films.example.org"
    monkeypatch.delenv("REELBOT_GALLERY_HOST")
    monkeypatch.setenv("REELBOT_GALLERY_ENABLED", "off")
    monkeypatch.setenv("REELBOT_GALLERY_PORT", "9100")
    off = load_config(tmp_path / "none.toml")
    assert not off.gallery.enabled and off.gallery.public_url == "http://127.0.0.1:9100"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_the_console_opens_the_gallery_with_a_signed_link(studio):
    port = free_port()
    studio.config = studio.config.model_copy(update={"gallery": studio.config.gallery.model_copy(update={"port": port})})
    member = console_member("alice")
    session = ConsoleSession(studio, member)
    clip = await make_clip(studio, member, title="Console cat")
    try:
        listing = await session.handle("/gallery")
        one = await session.handle(f"/gallery #{clip.id}")
        assert listing.startswith(f"http://127.0.0.1:{port}/g/0/?s=") and f"/g/0/clip/{clip.id}?s=" in one
        async with aiohttp.ClientSession() as http:
            for url in (listing, one):
                async with http.get(url) as response:
                    assert response.status == 200 and "Console cat" in await response.text()
        assert (await session.handle("/gallery #999")).startswith("error: ")
    finally:
        await session.close()


def test_reelbot_gallery_says_plainly_when_its_port_is_taken(tmp_path: Path, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["gallery", "--home", str(tmp_path), "--port", str(port), "--config", str(tmp_path / "none.toml")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: the gallery cannot listen on 127.0.0.1:") and "Traceback" not in err


async def test_pages_say_a_clips_quality_and_cards_mark_drafts(studio, client, links):
    from generation.fast_paths import FAST_PATHS, as_draft
    from generation.recipe import ShotRender
    from storage.clips import set_clip_recipes

    final = await make_clip(studio, ALICE, title="Cat astronaut")
    draft = await make_clip(studio, ALICE, title="Cat diver")
    recipe = dataclasses.replace(ShotRender.from_dict(final.recipes[0]), model="tiny-wan2.2", steps=3)
    await studio.adb.write(set_clip_recipes, final.id, [recipe.to_dict()])
    await studio.adb.write(set_clip_recipes, draft.id, [as_draft(recipe, FAST_PATHS["tiny-fastwan2.2"]).to_dict()])
    final_page = await page(client, links.clip(GUILD, final.id))
    draft_page = await page(client, links.clip(GUILD, draft.id))
    assert '<span class="quality">final · 3 steps</span>' in final_page
    assert '<span class="quality">draft · 3 steps</span>' in draft_page
    member = await page(client, links.signed(GUILD, member_path(GUILD, ALICE.id)))
    cards = re.findall(r'<li class="card">.*?</li>', member, re.S)
    marked = {title: '<span class="quality">draft</span>' in card for card in cards
              for title in ("Cat astronaut", "Cat diver") if title in card}  # fmt: skip
    assert marked == {"Cat astronaut": False, "Cat diver": True}
