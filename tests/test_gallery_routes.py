"""The gallery's routes through aiohttp's test client: pages, signed links, access settings, range
requests, escaping, traversal attempts and plain error pages."""
from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
from PIL import Image

from bot.gallery.links import (GalleryLinks, clip_path, download_path, poster_path, preview_path, storyboard_path,
                               video_path)
from bot.gallery.signing import Signer, load_secret
from gallery_fixtures import ALICE, BOB, GUILD, MALLORY, OTHER_GUILD, client, links, make_clip, set_gallery, studio
from storage.clips import delete_clip

__all__ = ["client", "links", "studio"]  # fixtures


def hrefs(html: str) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(r'(?:href|src)="([^"]+)"', html)]


async def test_a_signed_link_opens_the_clip_page_with_everything_about_the_clip(studio, client, links):
    original = await make_clip(studio, ALICE, title="Cats at sea")
    remix = await make_clip(studio, BOB, title="Cats at sea", parent=original)
    response = await client.get(links.clip(GUILD, remix.id))
    assert response.status == 200 and response.content_type == "text/html"
    html = await response.text()
    # Player, poster, shot list with durations, style, recipe, credits, lineage, chain.
    assert f'<video id="player"' in html
    for link in (links.signed(GUILD, video_path(GUILD, remix.id)), links.clip(GUILD, original.id)):
        assert link in hrefs(html)
    assert "1 s" in html and "wide shot" in html and "<dt>Look</dt><dd>test</dd>" in html
    assert f"seed {remix.recipes[0]['seed']}" in html and "remix of alice&#39;s clip #1" in html
    assert html.count('class="lineage-link"') == 1 and 'aria-current="page">#2 bob' in html
    # Every link on the page is signed and opens.
    for href in hrefs(html):
        assert (await client.get(href)).status == 200, href


async def test_each_child_card_says_what_it_is_beside_its_parent(studio, client, links):
    original = await make_clip(studio, ALICE)
    await make_clip(studio, BOB, parent=original)
    await make_clip(studio, ALICE, parent=original, remix=("finalize", "finalized in full quality"))
    await make_clip(studio, BOB, parent=original, remix=("vary", "varied subtly"))
    html = await (await client.get(links.clip(GUILD, original.id))).text()
    cards = re.findall(r'#(\d+) · by <a[^>]*>\w+</a>\s*· ([\w ]+?)\s*(?:·|</span>)', html)
    assert dict(cards) == {
        "2": "remix", "3": "final", "4": "variation"}


async def test_link_mode_refuses_unsigned_tampered_and_other_server_links(studio, client, links):
    clip = await make_clip(studio, ALICE)
    good = links.clip(GUILD, clip.id)
    path, token = good.split("?s=")
    assert (await client.get(good)).status == 200
    assert (await client.get(path)).status == 403
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    refused = await client.get(f"{path}?s={tampered}")
    assert refused.status == 403 and "not valid" in await refused.text()
    # A signature for one clip does not open another, nor the same clip under another server.
    other = await make_clip(studio, ALICE, title="Another")
    assert (await client.get(f"{clip_path(GUILD, other.id)}?s={token}")).status == 403
    assert (await client.get(f"{clip_path(OTHER_GUILD, clip.id)}?s={token}")).status == 403
    # A link validly signed for the other server does not show this server's clip.
    assert (await client.get(links.clip(OTHER_GUILD, clip.id))).status == 404
    # Links signed with another home's secret are worthless.
    stranger = GalleryLinks(Signer(b"x" * 32))
    assert (await client.get(stranger.clip(GUILD, clip.id))).status == 403
    # Non-ASCII junk in the token is a refusal, not a crash.
    assert (await client.get(f"{path}?s=%C3%A9%C3%A9")).status == 403


async def test_public_servers_need_no_signature_and_off_servers_show_nothing(studio, client, links):
    clip = await make_clip(studio, ALICE)
    await set_gallery(studio, GUILD, "public")
    assert (await client.get(clip_path(GUILD, clip.id))).status == 200
    assert (await client.get(f"/g/{GUILD}/")).status == 200
    await set_gallery(studio, GUILD, "off")
    for url in (links.clip(GUILD, clip.id), links.server(GUILD), links.signed(GUILD, video_path(GUILD, clip.id))):
        assert (await client.get(url)).status == 404


async def test_the_latest_clips_page_shows_looping_previews_and_pages_backwards(studio, client, links, monkeypatch):
    from studio import gallery

    monkeypatch.setattr(gallery, "PAGE_SIZE", 2)
    clips = [await make_clip(studio, ALICE, title=f"Clip {n}", seconds=2) for n in range(5)]
    await make_clip(studio, MALLORY, title="Elsewhere")
    html = await (await client.get(links.server(GUILD))).text()
    assert "Clip 4" in html and "Clip 3" in html and "Clip 2" not in html and "Elsewhere" not in html
    assert f'src="{links.signed(GUILD, preview_path(GUILD, clips[4].id))}"' in html
    assert f'srcset="{links.signed(GUILD, poster_path(GUILD, clips[4].id))}"' in html
    older = next(href for href in hrefs(html) if "before=" in href)
    html = await (await client.get(older)).text()
    assert "Clip 2" in html and "Clip 1" in html and "Clip 4" not in html
    last = await (await client.get(next(href for href in hrefs(html) if "before=" in href))).text()
    assert "Clip 0" in last and "Older clips" not in last
    assert (await client.get(links.server(GUILD) + "&before=abc")).status == 400


async def test_previews_move_and_posters_show_the_clip_not_its_storyboard(studio, client, links):
    clip = await make_clip(studio, ALICE, seconds=2)
    poster = await client.get(links.signed(GUILD, poster_path(GUILD, clip.id)))
    assert poster.status == 200 and poster.content_type == "image/jpeg"
    with Image.open(io.BytesIO(await poster.read())) as still:
        # The video's frame (160x96, the bright bar over a dark ground), not a storyboard sheet.
        pixels = np.asarray(still.convert("RGB"), dtype=float)
        assert still.size == (160, 96) and pixels.std() > 20 and pixels.max() > 150
    preview = await client.get(links.signed(GUILD, preview_path(GUILD, clip.id)))
    assert preview.status == 200 and preview.content_type == "image/webp"
    with Image.open(io.BytesIO(await preview.read())) as moving:
        assert moving.format == "WEBP" and moving.is_animated and moving.n_frames >= 10
        assert moving.info.get("loop") == 0  # loops for ever
        first = np.asarray(moving.convert("RGB"), dtype=float)
        moving.seek(moving.n_frames - 1)
        last = np.asarray(moving.convert("RGB"), dtype=float)
        assert np.abs(first - last).mean() > 5  # the bar moved: a preview, not a still
    # Made once, kept beside the video, and gone with it when its author is forgotten.
    assert (Path(clip.video_path).parent / "clip.mp4.preview.webp").is_file() or any(
        Path(clip.video_path).parent.glob("*.preview.webp"))
    board = await client.get(links.signed(GUILD, storyboard_path(GUILD, clip.id)))
    assert board.status == 200 and board.content_type == "image/png"


async def test_a_clip_downloads_under_a_safe_name(studio, client, links):
    clip = await make_clip(studio, ALICE, title="Cats at sea / 猫 \"quoted\"", seconds=1)
    page = await (await client.get(links.clip(GUILD, clip.id))).text()
    download = links.signed(GUILD, download_path(GUILD, clip.id))
    assert download in hrefs(page)
    response = await client.get(download)
    assert response.status == 200 and response.content_type == "video/mp4"
    assert response.headers["Content-Disposition"] == f'attachment; filename="reelbot-{clip.id}-cats-at-sea-quoted.mp4"'
    assert (await response.read()) == Path(clip.video_path).read_bytes()


async def test_videos_are_served_with_range_requests(studio, client, links):
    clip = await make_clip(studio, ALICE, seconds=2)
    url = links.signed(GUILD, video_path(GUILD, clip.id))
    whole = await client.get(url)
    body = await whole.read()
    assert whole.status == 200 and whole.content_type == "video/mp4" and whole.headers["Accept-Ranges"] == "bytes"
    part = await client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status == 206 and await part.read() == body[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(body)}"
    tail = await client.get(url, headers={"Range": "bytes=-50"})
    assert tail.status == 206 and await tail.read() == body[-50:]
    beyond = await client.get(url, headers={"Range": f"bytes={len(body) + 10}-"})
    assert beyond.status == 416


async def test_deleted_clips_disappear_at_once(studio, client, links):
    original = await make_clip(studio, ALICE, title="Soon gone")
    remix = await make_clip(studio, BOB, parent=original)
    await studio.adb.write(delete_clip, original.id)
    for url in (links.clip(GUILD, original.id), links.signed(GUILD, video_path(GUILD, original.id))):
        assert (await client.get(url)).status == 404
    assert "Soon gone" not in await (await client.get(links.server(GUILD))).text()
    page = await (await client.get(links.clip(GUILD, remix.id))).text()
    assert f"#{original.id} [deleted]" in page and "Soon gone" not in page
    assert links.clip(GUILD, original.id) not in hrefs(page)


async def test_untrusted_text_is_escaped_everywhere(studio, client, links):
    evil_name = '<script>alert("name")</script>'
    evil = dataclass_replace(ALICE, name=evil_name)
    clip = await make_clip(studio, evil, title='"><img src=x onerror=alert(1)>', request="<script>alert(1)</script>")
    await make_clip(studio, BOB, parent=clip)
    for url in (links.clip(GUILD, clip.id), links.server(GUILD), links.signed(GUILD, f"/g/{GUILD}/member/{evil.id}")):
        response = await client.get(url)
        html = await response.text()
        assert response.status == 200
        assert "<script" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def dataclass_replace(member, **changes):
    import dataclasses

    return dataclasses.replace(member, **changes)


async def test_traversal_attempts_and_bad_ids_get_plain_error_pages(studio, client, links):
    clip = await make_clip(studio, ALICE)
    (studio.config.home / "secret.txt").write_text("do not serve")
    attempts = [
        "/static/../gallery.key",
        "/static/%2e%2e/gallery.key",
        "/static/..%2f..%2fgallery.key",
        f"/g/{GUILD}/clip/..%2F..%2Fgallery.key/video.mp4",
        f"/g/{GUILD}/clip/{clip.id}/../../../gallery.key",
        f"/g/{GUILD}/clip/{clip.id}%2F..%2F..%2Fsecret.txt",
        f"/g/{GUILD}/clip/-1",
        f"/g/{GUILD}/clip/99999999999999999999",
        f"/g/{GUILD}/clip/9223372036854775808",
        "/g/1e3/",
    ]
    for url in attempts:
        response = await client.get(url)
        text = await response.text()
        assert response.status in (403, 404), url
        assert "do not serve" not in text and "Traceback" not in text and response.content_type == "text/html", url
    # A clip whose stored path points outside the media folder is not served either.
    await studio.adb.write(
        lambda db: db.execute("UPDATE clips SET video_path = ? WHERE id = ?",
                              (str(studio.config.home / "secret.txt"), clip.id))
    )
    response = await client.get(links.signed(GUILD, video_path(GUILD, clip.id)))
    assert response.status == 404 and "do not serve" not in await response.text()


async def test_errors_inside_a_page_show_a_plain_500(studio, client, links, monkeypatch):
    from studio.gallery import Gallery

    clip = await make_clip(studio, ALICE)

    async def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(Gallery, "clip_page", broken)
    response = await client.get(links.clip(GUILD, clip.id))
    text = await response.text()
    assert response.status == 500 and "secret internals" not in text and "Traceback" not in text


async def test_the_secret_lives_in_the_home_folder_and_is_private(studio):
    path = studio.config.home / "gallery.key"
    secret = load_secret(studio.config.home)
    assert path.read_bytes() == secret and len(secret) == 32 and path.stat().st_mode & 0o077 == 0
    assert load_secret(studio.config.home) == secret

