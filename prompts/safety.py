"""Cleaning and screening of request text before (and after) it meets a model.

Two jobs: `sanitize_request` makes chat text safe to forward (no pings, no markdown tricks, bounded length);
the blocklist/judge pair decides whether the content is allowed at all.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import lru_cache

from common.intake import clean
from common.text import N_, Text
from prompts.errors import PromptError, UnsafeRequest

log = logging.getLogger(__name__)

DEFAULT_MAX_CHARS = 600
LEVELS = ("off", "standard", "strict")


@dataclass(frozen=True)
class SafetyVerdict:
    allowed: bool
    reason: str = ""
    # Human-readable name of what was matched ("graphic gore"); shown to the requester.
    category: str = ""


Judge = Callable[[str], Awaitable[SafetyVerdict]]


@dataclass(frozen=True)
class SafetyPolicy:
    """`level` picks the built-in lists; `blocklist` adds server-specific terms (same syntax: `word`,
    `prefix*`, multi-word phrases; CJK terms match as substrings); `judge` is an optional LLM moderator."""

    level: str = "standard"
    blocklist: list[str] = field(default_factory=list)
    judge: Judge | None = None

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"safety level must be one of {', '.join(LEVELS)}, not {self.level!r}")


# --- built-in lists ----------------------------------------------------------------------------------
# Terms are matched on NFKC-casefolded text. Latin terms need a non-alphanumeric on both sides (so "sex"
# never fires inside "Sussex") and accept a plural -s/-es; "term*" matches any word starting with term.

_MINORS = (
    "child", "children", "kid", "kids", "minor", "minors", "underage", "preteen*", "toddler*", "schoolgirl*",
    "schoolboy*", "loli", "shota", "儿童", "小孩", "孩子", "未成年", "幼女", "幼童", "萝莉", "正太", "小学生",
    "初中生", r"re:(?<![0-9])(?:[1-9]|1[0-7])[\s-]*(?:years?|yrs?|y/?o)(?:[\s-]*old)?(?![a-z])",
)
_SEXUAL = (
    "sex", "sexual*", "sexy", "nude*", "naked", "nudity", "nsfw", "porn*", "erotic*", "lingerie", "topless",
    "undress*", "hentai", "seductive", "striptease", "色情", "裸", "性感", "性爱", "脱衣", "做爱",
)
_REAL_PEOPLE = (
    "celebrity", "celebrities", "real person", "real people", "politician", "president", "actress", "actor",
    "influencer", "streamer", "my classmate", "my coworker", "my ex", "my teacher", "明星", "名人", "真人",
    "总统", "网红",
)


@dataclass(frozen=True)
class _Category:
    name: str
    # Lowest level at which the category applies: 0 = always (even with level "off"), 1 = standard, 2 = strict.
    level: int
    terms: tuple[str, ...] = ()
    # A co-occurrence rule: blocked when one term of each group appears anywhere in the text.
    both: tuple[tuple[str, ...], tuple[str, ...]] | None = None


_CATEGORIES = (
    _Category(N_("sexual content involving minors"), 0, ("lolicon", "shotacon", "child porn*", "儿童色情", "恋童*"),
              both=(_MINORS, _SEXUAL)),
    _Category(N_("sexual imagery of real people"), 0, both=((*_REAL_PEOPLE, "deepfake*", "换脸"), _SEXUAL)),
    _Category(N_("deepfakes of real people"), 1, ("deepfake*", "face swap*", "faceswap*", "换脸")),
    _Category(N_("explicit sexual content"), 1, (
        "porn*", "hentai", "nsfw", "nude*", "naked", "nudity", "sex", "sexual*", "erotic*", "xxx", "genital*",
        "penis", "vagina", "色情", "裸体", "裸照", "裸露", "性爱", "做爱", "黄片",
    )),
    _Category(N_("graphic gore"), 1, (
        "gore", "gory", "dismember*", "decapitat*", "disembowel*", "mutilat*", "eviscerat*", "behead*", "flaying",
        "flayed", "entrails", "torture*", "snuff film*", "血腥", "肢解", "斩首", "砍头", "虐杀", "分尸", "开膛",
    )),
    _Category(N_("self-harm"), 1, (
        "suicide", "self-harm", "self harm", "kill myself", "kill yourself", "cut myself", "自杀", "自残", "割腕",
    )),
    _Category(N_("mass violence"), 1, (
        "school shooting*", "mass shooting*", "terrorist attack*", "terror attack*", "genocide", "massacre*",
        "屠杀", "恐怖袭击",
    )),
    _Category(N_("violence"), 2, (
        "blood", "bloody", "kill", "kills", "killing", "killed", "murder*", "corpse*", "dead body", "dead bodies",
        "gun", "gunfire", "rifle*", "pistol*", "stab", "stabbing", "stabbed", "血", "杀", "尸体", "枪",
    )),
    _Category(N_("suggestive content"), 2, ("sexy", "lingerie", "bikini*", "seductive", "性感", "内衣", "比基尼")),
    _Category(N_("drugs"), 2, ("drugs", "cocaine", "heroin", "meth", "毒品")),
)

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _term_pattern(term: str) -> str:
    if term.startswith("re:"):
        return term[3:]
    term = normalize(term)
    prefix = term.endswith("*")
    body = re.escape(term.rstrip("*").strip())
    if _CJK.search(term):
        return body
    body = body.replace(r"\ ", r"[\s_-]+").replace(r"\-", r"[\s_-]*")
    tail = r"[a-z0-9]*" if prefix else r"(?:e?s)?"
    return rf"(?<![a-z0-9]){body}{tail}(?![a-z0-9])"


def _compile(terms: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{_term_pattern(term)})" for term in terms))


@dataclass(frozen=True)
class _Rule:
    name: str
    any_of: re.Pattern[str] | None
    both: tuple[re.Pattern[str], re.Pattern[str]] | None


@lru_cache(maxsize=32)
def _rules(level: str, blocklist: tuple[str, ...]) -> tuple[_Rule, ...]:
    rank = LEVELS.index(level)
    rules = [_Rule("terms this server blocks", _compile(blocklist), None)] if blocklist else []
    for category in _CATEGORIES:
        if category.level <= rank:
            rules.append(_Rule(
                category.name,
                _compile(category.terms) if category.terms else None,
                (_compile(category.both[0]), _compile(category.both[1])) if category.both else None,
            ))
    return tuple(rules)


def normalize(text: str) -> str:
    """Fold full-width/compatibility forms and case so look-alike spellings match the lists."""
    text = unicodedata.normalize("NFKC", text)
    return _INVISIBLE.sub("", text).casefold()


def check_text(text: str, policy: SafetyPolicy) -> SafetyVerdict:
    """The blocklist verdict alone (synchronous, no model)."""
    folded = normalize(text)
    for rule in _rules(policy.level, tuple(policy.blocklist)):
        match = rule.any_of.search(folded) if rule.any_of else None
        if match:
            return SafetyVerdict(False, f"{rule.name}: matched {match.group(0)!r}", rule.name)
        if rule.both:
            first, second = (pattern.search(folded) for pattern in rule.both)
            if first and second:
                return SafetyVerdict(False, f"{rule.name}: {first.group(0)!r} with {second.group(0)!r}", rule.name)
    return SafetyVerdict(True)


def refusal(verdict: SafetyVerdict) -> UnsafeRequest:
    """The member's refusal for a blocked request; the category is named in their language when it is one of
    ours (a judge model's own category stays as the judge wrote it)."""
    if not verdict.category:
        return UnsafeRequest("Sorry, I can't make that: this server doesn't allow it. Try rephrasing your idea.",
                             detail=verdict.reason)
    known = {category.name for category in _CATEGORIES}
    what = Text.of(verdict.category) if verdict.category in known else Text.raw(verdict.category)
    return UnsafeRequest(
        "Sorry, I can't make that: it looks like {what}, which this server doesn't allow. "
        "Try rephrasing your idea without it.",
        what=what, detail=verdict.reason,
    )


def ensure_safe(text: str, policy: SafetyPolicy) -> None:
    verdict = check_text(text, policy)
    if not verdict.allowed:
        raise refusal(verdict)


async def screen(text: str, policy: SafetyPolicy) -> SafetyVerdict:
    """Blocklist first (cheap, certain), then the judge when one is configured.

    A judge that errors is logged and ignored: the blocklist has already run, and a flaky moderator model
    must not take the whole bot down.
    """
    verdict = check_text(text, policy)
    if not verdict.allowed or policy.judge is None or policy.level == "off":
        return verdict
    try:
        return await policy.judge(text)
    except Exception:  # any judge failure degrades to the blocklist verdict
        log.warning("safety judge failed; using the blocklist verdict", exc_info=True)
        return verdict


async def ensure_screened(text: str, policy: SafetyPolicy) -> None:
    verdict = await screen(text, policy)
    if not verdict.allowed:
        raise refusal(verdict)


# --- sanitizing ---------------------------------------------------------------------------------------

_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
# Terminal escape sequences go whole; other control characters separate words, like the spaces they stand for
# (line breaks stay until the markdown rules below have read them).
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")
_SANITIZERS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Pings and Discord entities: users, roles, channels, slash commands, timestamps; emoji keep their name.
    (re.compile(r"<a?:(\w{1,32}):\d+>"), r"\1"),
    (re.compile(r"<(?:@[!&]?|#)\d+>|</[^<>:]{1,64}:\d+>|<t:-?\d+(?::\w)?>"), " "),
    (re.compile(r"@(?:everyone|here)\b", re.IGNORECASE), " "),
    # Markdown: masked links keep their text, URLs go, code fences and inline code lose their markers.
    (re.compile(r"\[([^\]\n]{0,200})\]\(\s*<?[^)\s]*>?(?:\s+\"[^\"]*\")?\s*\)"), r"\1"),
    (re.compile(r"<?\b(?:https?|ftp|discord)://\S+>?", re.IGNORECASE), " "),
    (re.compile(r"```[\w+-]*"), " "),
    (re.compile(r"`+"), ""),
    # Line-leading headings, subtext, quotes and list markers.
    (re.compile(r"(?m)^\s*(?:#{1,6}|-#|>{1,3}|[-*+]|\d+[.)])\s+"), ""),
    # Emphasis/spoiler runs (**, __, ~~, ||) and stray single markers hugging words.
    (re.compile(r"(\*{1,3}|_{2,3}|~~|\|\|)"), ""),
    (re.compile(r"(?<!\w)_(?=\S)|(?<=\S)_(?!\w)"), ""),
    # Runs of repeated punctuation or emoji-like symbols used to shout.
    (re.compile(r"([!?.,~=*#-])\1{3,}"), r"\1\1\1"),
)


def sanitize_request(text: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Chat text -> one plain line fit to forward to a model; raises PromptError when nothing usable is left
    or the request is too long."""
    # Bound the regex work before doing it; chat input can be 4000 chars of anything.
    if len(text) > max_chars * 4:
        raise _too_long(len(text), max_chars)
    text = _CONTROL.sub(" ", _INVISIBLE.sub("", unicodedata.normalize("NFKC", clean(text, multiline=True))))
    for pattern, replacement in _SANITIZERS:
        text = pattern.sub(replacement, text)
    text = " ".join(text.split())
    if not any(char.isalnum() for char in text):
        # Emoji-only requests ("🐙🌊") say what they show through the emoji's own Unicode names.
        text = " ".join(unicodedata.name(char, "").lower() for char in text
                        if unicodedata.category(char) == "So" and unicodedata.name(char, ""))
    if not any(char.isalnum() for char in text):
        raise PromptError(
            "Tell me what to make, for example: `a giant monster walking through New York at sunset`."
        )
    if len(text) > max_chars:
        raise _too_long(len(text), max_chars)
    return text


def _too_long(length: int, max_chars: int) -> PromptError:
    return PromptError(
        "That request is {length} characters long; please keep it under {max_chars} characters. A sentence or two is "
        "plenty: I write the detailed shot list for you.",
        length=length, max_chars=max_chars
    )
