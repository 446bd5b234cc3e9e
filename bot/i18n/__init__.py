"""Speaking the member's language: gettext catalogs (managed with Babel) and the language of the moment.

English is the source language: every user-facing string in bot/ is an English `str.format` template passed
through `_` / `ngettext` / `pgettext` with named values, e.g. `_("Clip #{clip_id} is ready.", clip_id=3)`.
Catalogs live in `bot/i18n/locale/<lang>/LC_MESSAGES/messages.po` (`zh_CN`, …); they are compiled in memory
with Babel when first used, so a checkout needs no build step (`pybabel compile` gives the same .mo files).

Which language a message is in is the *current language*, a context variable: each interaction runs in its
own asyncio task, which sets it once (bot/i18n/discord.py), and the delivery loop sets it per post with
`use(language)`. Refusals from the core (`common.errors.ReelbotError`) are translated here from their
English `template` and filled in with their `params` (`error_message`), so the core never knows languages.
"""
from __future__ import annotations

import contextvars
import functools
import gettext as _gettext
import io
import logging
import os
import string
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from common.errors import N_, ReelbotError
from common.text import Text

__all__ = ["N_", "_", "current", "say", "error_message", "languages", "ngettext", "negotiate", "pgettext", "use"]

log = logging.getLogger(__name__)

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("reelbot_language", default=SOURCE_LANGUAGE)


@functools.lru_cache(maxsize=1)
def languages() -> tuple[str, ...]:
    """Languages with a catalog, as Discord spells locales (`zh-CN`), English first."""
    found = sorted(path.parent.parent.name.replace("_", "-") for path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (SOURCE_LANGUAGE, *found)


def supported(tag: str | None) -> str | None:
    """The catalog language for a locale tag (`zh-CN`, `zh_CN`, `en-GB`, `en`), or None if none fits.

    A region-less catalog (`ja`) serves every region of its language; a regional one (`zh-CN`) only its
    own tag, so Traditional Chinese readers (`zh-TW`) are not handed Simplified Chinese silently."""
    if not tag:
        return None
    tag = str(tag).replace("_", "-").strip()
    base = tag.split("-")[0].lower()
    if base == SOURCE_LANGUAGE:
        return SOURCE_LANGUAGE
    for language in languages():
        if language.lower() == tag.lower() or language.lower() == base:
            return language
    return None


def negotiate(*candidates: str | None) -> str:
    """The first candidate with a catalog, else English. Candidates in order of preference."""
    for candidate in candidates:
        language = supported(candidate)
        if language is not None:
            return language
    return SOURCE_LANGUAGE


@functools.lru_cache(maxsize=None)
def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalog of `language` (`zh-CN`); NullTranslations (English) when there is none."""
    if language == SOURCE_LANGUAGE:
        return _gettext.NullTranslations()
    po = LOCALE_DIR / language.replace("-", "_") / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.is_file():
        return _gettext.NullTranslations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=language.replace("-", "_"), domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries are left out, as pybabel compile does
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def environment_language(environ: Mapping[str, str] | None = None) -> str:
    """The language the environment asks for, looked up as gettext does (LANGUAGE, LC_ALL, LC_MESSAGES, LANG;
    `zh_CN.UTF-8` -> zh-CN), negotiated against the catalogs; English when none fits."""
    environ = os.environ if environ is None else environ
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable, "")
        if value:
            tags = [tag.split(".")[0].split("@")[0] for tag in value.split(":")]
            return negotiate(*[tag for tag in tags if tag not in ("C", "POSIX")])
    return SOURCE_LANGUAGE


def current() -> str:
    return _current.get()


def set_language(language: str) -> None:
    """Make `language` current for the rest of this task (an interaction's handler task)."""
    _current.set(negotiate(language))


@contextmanager
def use(language: str | None) -> Iterator[str]:
    """`with use("zh-CN"): ...`: messages made inside are in that language (English when unsupported)."""
    token = _current.set(negotiate(language))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def _fill(text: str, params: dict[str, Any]) -> str:
    return text.format(**params) if params else text


def _(message: str, /, **params: Any) -> str:
    """`message` in the current language, its `{fields}` filled from `params`."""
    return _fill(translations(_current.get()).gettext(message), params)


def ngettext(singular: str, plural: str, n: int, /, **params: Any) -> str:
    """The form for `n` items (English has two, Chinese one); `n` is also available as `{n}`."""
    return _fill(translations(_current.get()).ngettext(singular, plural, n), {"n": n, **params})


def pgettext(context: str, message: str, /, **params: Any) -> str:
    """Like `_`, for a word whose translation depends on where it stands (`pgettext("command", "video")`)."""
    return _fill(translations(_current.get()).pgettext(context, message), params)


def say(text: Text | str | None) -> str:
    """A core `Text` (common.text) in the current language; a plain string (member-typed, or a literal) as is,
    None as "". A translation that names other fields than its template falls back to English, logged."""
    if text is None:
        return ""
    if not isinstance(text, Text):
        return str(text)
    catalog = translations(_current.get())
    try:
        return text.render(catalog.gettext, catalog.ngettext)
    except (KeyError, IndexError, ValueError):
        log.error("translation of %r does not fit its params %s", text.template, sorted(text.params))
        return text.english()


def say_in(language: str | None, text: Text | str | None) -> str:
    """`say` in `language` (English when unsupported), whatever the current language is."""
    with use(language):
        return say(text)


def error_message(error: ReelbotError) -> str:
    """A core refusal in the current language: its English template translated, then filled with its params.

    Param values that are themselves English phrases stay English; templates carry the sentence."""
    text = translations(_current.get()).gettext(error.template)
    if not error.params:
        return text
    params = dict(error.params)
    if "channel_ids" in params:  # channels as Discord mentions, which every client shows by name
        params["channels"] = ", ".join(f"<#{channel}>" for channel in params["channel_ids"])
    try:
        return text.format(**{key: say(value) if isinstance(value, Text) else value for key, value in params.items()})
    except (KeyError, IndexError, ValueError):  # a translation naming other fields than the template
        log.error("translation of %r does not fit its params %s", error.template, sorted(error.params))
        return error.user_message


def fields(template: str) -> set[str]:
    """The named `{fields}` of a str.format template (for checking translations)."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}
