"""The gallery's aiohttp application: templates, error pages, security headers, and serving it.

`create_app` builds it over a Studio; `start_gallery` serves it beside another front-end (the bot, the
console) on the configured host and port; `serve_gallery` is `reelbot gallery`, the gallery alone.
"""
from __future__ import annotations

import asyncio
import datetime
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from bot.gallery import routes
from bot.gallery.links import GalleryLinks
from bot.gallery.signing import Signer, load_secret
from markupsafe import Markup, escape

from bot.i18n import _, current, error_message, negotiate, say, set_language, translations
from common.errors import NotFound
from studio.cast.credits import cast_line, character_name, owner_text
from studio.cast.rules import consent_text
from studio.config import Config
from studio.gallery import Gallery
from studio.quality import clip_is_draft, clip_quality
from studio.remix import kind_word
from studio.shots import what_happens
from studio.runtime import open_studio
from studio.service import Studio

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
# Pages load only their own stylesheet, images and videos: no script, no inline style, no frames, no
# forms, nothing from elsewhere. An injected tag could do nothing even if escaping ever failed.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; media-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Signed links must not leak to other sites through the Referer header.
    "Referrer-Policy": "no-referrer",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def accept_language(header: str | None) -> str:
    """The catalog language a browser asks for: its Accept-Language tags by quality (RFC 9110 §12.5.4,
    `zh-TW,zh;q=0.9,en;q=0.5`), negotiated against the catalogs; English when none fits."""
    tags: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            tags.append((-quality, index, tag))
    return negotiate(*[tag for _q, _i, tag in sorted(tags)])


@web.middleware
async def speak_visitor_language(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Pages in the visitor's browser language (each request runs in its own task, so this is its own)."""
    set_language(accept_language(request.headers.get("Accept-Language")))
    response = await handler(request)
    response.headers.setdefault("Content-Language", current())
    return response


def html_gettext(message: str, /, **params: object) -> Markup:
    """`_` for templates: the translation is escaped, then filled with params that are escaped unless they
    are markup already (a `{% set %}` link), so a sentence can carry a link in any word order."""
    return Markup(escape(translations(current()).gettext(message))).format(**params)


def html_ngettext(singular: str, plural: str, n: int, /, **params: object) -> Markup:
    """`ngettext` for templates, escaping as `html_gettext` does; `n` is also `{n}`."""
    return Markup(escape(translations(current()).ngettext(singular, plural, n))).format(n=n, **params)


def _error_page(request: web.Request, status: int, message: str) -> web.Response:
    return aiohttp_jinja2.render_template("error.html", request, {"status": status, "message": message}, status=status)


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Plain pages for every error: the status and a sentence, never a traceback."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        # Only our own sentences are shown; aiohttp's default bodies ("404: Not Found") are replaced.
        # Our own texts are N_-marked English sentences, translated here.
        message = _(error.text) if error.text and not error.text.startswith(f"{error.status}:") else error.reason
        return _error_page(request, error.status, message)
    except NotFound as error:
        return _error_page(request, 404, error_message(error))
    except Exception:
        log.exception("gallery page %s failed", request.path)
        return _error_page(request, 500, _("Something went wrong on our side."))


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(SECURITY_HEADERS)
    if response.content_type == "text/html":
        response.headers["Cache-Control"] = "no-store"


def _date(timestamp: float) -> str:
    return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


class MalformedRequests(logging.Filter):
    """aiohttp logs a request it can't parse (a 20 kB Range header, a broken request line) with a
    traceback at ERROR, though the fault is the client's and the answer a plain 400: one INFO line
    instead, naming the client and the parser's reason."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            record.msg, record.args = "gallery: refused a malformed request (%s): %s", (
                record.args[0] if isinstance(record.args, tuple) and record.args else "?",
                " ".join(str(error.message).split())[:200])
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


_MALFORMED = MalformedRequests()


def create_app(studio: Studio, signer: Signer) -> web.Application:
    """The gallery over `studio`; `signer` checks links in `link` mode and signs the pages' own links."""
    logging.getLogger("aiohttp.server").addFilter(_MALFORMED)  # one filter, however many apps
    app = web.Application(middlewares=[speak_visitor_language, error_pages])
    app[routes.GALLERY] = Gallery(studio)
    app[routes.LINKS] = GalleryLinks(signer)
    app[routes.MEDIA_DIR] = Path(studio.config.media_dir)
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("bot.gallery", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        filters={"date": _date, "say": say},
    )
    # Templates word their text with gettext functions of their own (html_gettext) (extracted by Babel's Jinja2 method,
    # babel.cfg) and render the core's texts (common.text) with `say`.
    aiohttp_jinja2.get_env(app).globals.update(_=html_gettext, ngettext=html_ngettext, say=say, language=current,
                                               clip_quality=clip_quality, clip_is_draft=clip_is_draft, kind_word=kind_word, what_happens=what_happens,
                                               consent=consent_text, character_name=character_name,
                                               owner_of=owner_text, cast_of=cast_line)  # fmt: skip
    app.add_routes(routes.routes)
    app.router.add_static("/static/", HERE / "static", name="static")
    app.on_response_prepare.append(_security_headers)
    return app


class GalleryUnavailable(RuntimeError):
    """The gallery cannot listen where it is configured to; the message says what to change."""


async def start_gallery(config: Config, studio: Studio) -> web.AppRunner:
    """Serve the gallery on `config.gallery.host`/`port` until the returned runner is cleaned up.
    Raises GalleryUnavailable when it cannot listen there (port taken, no such address)."""
    app = create_app(studio, Signer(load_secret(Path(config.home))))
    # aiohttp's keep-alive timer runs from a connection's start (and from each response) until a whole
    # request has arrived, whatever trickles in meanwhile: it is the header timeout. Its default is an hour.
    runner = web.AppRunner(app, access_log=None, keepalive_timeout=config.gallery.request_timeout_s)
    await runner.setup()
    site = web.TCPSite(runner, config.gallery.host, config.gallery.port)
    try:
        await site.start()
    except OSError as error:
        await runner.cleanup()
        raise GalleryUnavailable(
            f"the gallery cannot listen on {config.gallery.host}:{config.gallery.port} ({error.strerror or error}). "
            "Set another port under [gallery] in reelbot.toml (or REELBOT_GALLERY_PORT), or enabled = false."
        ) from error
    log.info("gallery at %s", config.gallery.public_url)
    return runner


async def serve_gallery(config: Config, *, ready: Callable[[str], None] = print) -> None:
    """`reelbot gallery`: the gallery alone, until cancelled; `ready` gets the address once it listens."""
    studio = open_studio(config)
    try:
        runner = await start_gallery(config, studio)
        try:
            ready(f"Reelbot gallery at {config.gallery.public_url} (pages open through the links the bot posts)")
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()
    finally:
        await studio.aclose()
