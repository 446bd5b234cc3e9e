"""The gallery's pages and media files.

Each handler first checks access (`authorize`): the server's `gallery` setting, and in `link` mode the
signature of the very path asked for. Ids in URLs are matched as digits only and files are looked up by
id in the database, never by a name from the URL; a stored path must still lie inside the media folder.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.i18n import N_
from bot.gallery.links import TOKEN_PARAM, GalleryLinks, PageLinks
from studio.gallery import Gallery

GALLERY = web.AppKey("gallery", Gallery)
LINKS = web.AppKey("links", GalleryLinks)
MEDIA_DIR = web.AppKey("media_dir", Path)

# SQLite integers are signed 64-bit: a larger id can match nothing.
MAX_ID = 2**63 - 1
ID = r"{%s:\d{1,19}}"
GUILD = "/g/" + ID % "guild"

routes = web.RouteTableDef()


def _id(text: str) -> int:
    value = int(text)
    if value > MAX_ID:
        raise web.HTTPNotFound(text=N_("There is no such page."))
    return value


async def authorize(request: web.Request) -> int:
    """The server id of the request, once access is granted; raises HTTPNotFound (gallery off) or
    HTTPForbidden (link mode, and the link's signature is missing or wrong)."""
    guild_id = _id(request.match_info["guild"])
    access = await request.app[GALLERY].access(guild_id)
    if access == "off":
        raise web.HTTPNotFound(text=N_("This server's gallery is switched off."))
    if access == "link" and not request.app[LINKS].signer.verify(
        guild_id, request.path, request.query.get(TOKEN_PARAM)
    ):
        raise web.HTTPForbidden(text=N_("This link is not valid. Open the gallery through a link the bot posted."))
    return guild_id


def render(request: web.Request, template: str, guild_id: int, **context: Any) -> web.Response:
    u = PageLinks(request.app[LINKS], guild_id)
    return aiohttp_jinja2.render_template(template, request, {"u": u, "guild_id": guild_id, **context})


def media_file(request: web.Request, stored: str | None, content_type: str) -> web.FileResponse:
    """A file the database points to, served with range requests; 404 unless it lies in the media folder."""
    root = request.app[MEDIA_DIR].resolve()
    path = Path(stored).resolve() if stored else None
    if path is None or not path.is_relative_to(root) or not path.is_file():
        raise web.HTTPNotFound(text=N_("This file is not available."))
    # no-cache: the browser asks again each time, so a deleted clip stops playing at once.
    return web.FileResponse(path, headers={"Content-Type": content_type, "Cache-Control": "private, no-cache"})


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    return aiohttp_jinja2.render_template("home.html", request, {})


@routes.get(GUILD + "/")
async def latest(request: web.Request) -> web.Response:
    guild_id = await authorize(request)
    before = request.query.get("before")
    if before is not None and not (before.isascii() and before.isdigit() and len(before) <= 19):
        raise web.HTTPBadRequest(text=N_("`before` must be a clip number."))
    clips, next_before = await request.app[GALLERY].latest(guild_id, before_id=None if before is None else _id(before))
    return render(request, "latest.html", guild_id, clips=clips, next_before=next_before, paged=before is not None)


@routes.get(GUILD + "/clip/" + ID % "clip")
async def clip(request: web.Request) -> web.Response:
    guild_id = await authorize(request)
    page = await request.app[GALLERY].clip_page(guild_id, _id(request.match_info["clip"]))
    return render(request, "clip.html", guild_id, page=page, clip=page.clip)


@routes.get(GUILD + "/clip/" + ID % "clip" + "/video.mp4")
async def video(request: web.Request) -> web.FileResponse:
    guild_id = await authorize(request)
    found = await request.app[GALLERY].clip(guild_id, _id(request.match_info["clip"]))
    return media_file(request, found.video_path, "video/mp4")


@routes.get(GUILD + "/clip/" + ID % "clip" + "/download")
async def download(request: web.Request) -> web.FileResponse:
    """The clip's video as a download, named after its number and title."""
    guild_id = await authorize(request)
    found = await request.app[GALLERY].clip(guild_id, _id(request.match_info["clip"]))
    response = media_file(request, found.video_path, "video/mp4")
    name = download_name(found.id, str(found.shot_list.get("title") or ""))
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def download_name(clip_id: int, title: str) -> str:
    """`reelbot-12-giant-monster-in-new-york.mp4`: ASCII letters and digits of the title only, so the
    header needs no encoding and no name can escape the download folder."""
    slug = "-".join("".join(c if c.isascii() and c.isalnum() else " " for c in title.lower()).split())[:60]
    return f"reelbot-{clip_id}{'-' + slug.strip('-') if slug else ''}.mp4"


@routes.get(GUILD + "/clip/" + ID % "clip" + "/storyboard.png")
async def storyboard(request: web.Request) -> web.FileResponse:
    guild_id = await authorize(request)
    found = await request.app[GALLERY].clip(guild_id, _id(request.match_info["clip"]))
    return media_file(request, found.storyboard_path, "image/png")


@routes.get(GUILD + "/clip/" + ID % "clip" + "/poster.jpg")
async def poster(request: web.Request) -> web.FileResponse:
    guild_id = await authorize(request)
    path = await request.app[GALLERY].poster(guild_id, _id(request.match_info["clip"]))
    return media_file(request, str(path), "image/jpeg")


@routes.get(GUILD + "/clip/" + ID % "clip" + "/preview.webp")
async def preview(request: web.Request) -> web.FileResponse:
    guild_id = await authorize(request)
    path = await request.app[GALLERY].preview(guild_id, _id(request.match_info["clip"]))
    return media_file(request, str(path), "image/webp")


@routes.get(GUILD + "/member/" + ID % "user")
async def member(request: web.Request) -> web.Response:
    guild_id = await authorize(request)
    page = await request.app[GALLERY].member(guild_id, _id(request.match_info["user"]))
    return render(request, "member.html", guild_id, page=page)


@routes.get(GUILD + "/character/" + ID % "character")
async def character(request: web.Request) -> web.Response:
    guild_id = await authorize(request)
    page = await request.app[GALLERY].character(guild_id, _id(request.match_info["character"]))
    return render(request, "character.html", guild_id, page=page, character=page.character)


@routes.get(GUILD + "/character/" + ID % "character" + r"/picture-{number:[1-9]}.png")
async def character_picture(request: web.Request) -> web.FileResponse:
    """One of the character's reference pictures (1-3), from the media folder."""
    guild_id = await authorize(request)
    page = await request.app[GALLERY].character(guild_id, _id(request.match_info["character"]))
    number = int(request.match_info["number"])
    pictures = page.character.pictures
    return media_file(request, pictures[number - 1].path if number <= len(pictures) else None, "image/png")


@routes.get(GUILD + "/challenges")
async def challenges(request: web.Request) -> web.Response:
    guild_id = await authorize(request)
    listed = await request.app[GALLERY].challenge_list(guild_id)
    return render(request, "challenges.html", guild_id, challenges=listed)


@routes.get(GUILD + "/challenge/" + ID % "challenge")
async def challenge(request: web.Request) -> web.Response:
    guild_id = await authorize(request)
    page = await request.app[GALLERY].challenge(guild_id, _id(request.match_info["challenge"]))
    return render(request, "challenge.html", guild_id, page=page, view=page.view, challenge=page.view.challenge)


@routes.get(GUILD + "/challenge/" + ID % "challenge" + "/film.mp4")
async def film(request: web.Request) -> web.FileResponse:
    guild_id = await authorize(request)
    path = await request.app[GALLERY].film_path(guild_id, _id(request.match_info["challenge"]))
    return media_file(request, str(path), "video/mp4")


@routes.get(GUILD + "/challenge/" + ID % "challenge" + "/leaderboard.png")
async def leaderboard(request: web.Request) -> web.FileResponse:
    guild_id = await authorize(request)
    path = await request.app[GALLERY].leaderboard(guild_id, _id(request.match_info["challenge"]))
    return media_file(request, str(path), "image/png")
