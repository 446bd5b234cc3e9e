"""One change to a clip (`RemixChange`), as a button builds it or as `parse_change` reads it from what a
member typed ("make it noir", "shot 2: the monster roars", "reroll 3", "第二个镜头改成夜景")."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Literal, get_args

from common.intake import clean, whole_number
from common.text import N_, Text
from prompts.compose import style_description
from prompts.detect import detect_language
from prompts.langdata import alternation, languages
from prompts.lexicon import STYLES
from prompts.request import find_look
from studio.converters import to_shot_number
from studio.errors import StudioError


RemixKind = Literal["edit", "shot", "reroll", "style", "camera", "add", "remove", "reorder", "extend"]


REMIX_KINDS: tuple[RemixKind, ...] = get_args(RemixKind)


# `RemixChange.to` for "move shot 2 last".
LAST = -1


# How an extension's action ends, so the model (and a reader) knows it picks up where the clip ended.
CONTINUING = ", continuing from where the previous shot ended"


_NEEDS_TEXT = {"edit", "shot", "style", "camera", "add"}


_NEEDS_SHOT = {"shot", "camera", "remove"}


_EXAMPLES = Text.of(N_(
    "Try `make it noir`, `shot 2: the monster roars`, `reroll 3`, `camera 2: slow crane up`, "
    "`add: the monster falls asleep`, `remove shot 2`, `swap 1 and 3` or `extend`."
))


class RemixError(StudioError):
    """A remix that cannot be made as asked: a bad shot number, a refusal, nothing left to change."""

    code = "remix_refused"


@dataclass(frozen=True)
class RemixChange:
    """One change to a clip. Shot numbers are 1-based, as members see them.

    `text`: the amendment to the request (edit), a shot's new content (shot, add, extend), a look
    (style) or a camera move (camera). `shot`: the shot it targets; for add, where the new shot goes
    (default: at the end); for reroll, None re-rolls every shot. Reorder takes either `order` (every
    shot once, "3 1 2"), or `shot` with `to` (its new position, LAST for the end), or with `swap`
    (`to` is the shot it trades places with).
    """

    kind: RemixKind
    text: str = ""
    shot: int | None = None
    to: int | None = None
    swap: bool = False
    order: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in REMIX_KINDS:
            raise ValueError(f"unknown remix kind {self.kind!r}")
        if self.kind in _NEEDS_TEXT and not self.text.strip():
            raise RemixError("Tell me what the new version should be. {examples}", examples=_EXAMPLES, code="no_text")
        if self.kind in _NEEDS_SHOT and self.shot is None:
            raise RemixError("Which shot? Add its number, e.g. `{usage}`.", usage=_usage(self.kind), code="which_shot")
        numbers = [n for n in (self.shot, self.to, *self.order) if n is not None and n != LAST]
        if any(number < 1 for number in numbers):
            raise RemixError("Shots are numbered from 1.", code="no_such_shot")
        if self.kind == "reorder" and not self.order and (self.shot is None or self.to is None):
            raise RemixError(
                "Say how to reorder, e.g. `swap 1 and 3`, `move shot 3 first` or `order 3 1 2`.", code="bad_order"
            )

    def describe(self) -> Text:
        """What changed, in a few words, for a front-end to translate: stored as the clip's remix note
        (Text JSON) and shown in its lineage. The member's own words (`text`) stay as they typed them."""
        if self.kind == "edit":
            return Text.of(N_("changed the request: {text}"), text=self.text)
        if self.kind == "shot":
            if self.shot == LAST:
                return Text.of(N_("last shot: {text}"), text=self.text)
            return Text.of(N_("shot {shot}: {text}"), shot=self.shot, text=self.text)
        if self.kind == "reroll":
            return Text.of(N_("re-rolled shot {shot}"), shot=self.shot) if self.shot else Text.of(N_("re-rolled every shot"))
        if self.kind == "style":
            return Text.of(N_("style: {text}"), text=self.text)
        if self.kind == "camera":
            return Text.of(N_("camera of shot {shot}: {text}"), shot=self.shot, text=self.text)
        if self.kind == "add":
            if self.shot:
                return Text.of(N_("added shot {shot}: {text}"), shot=self.shot, text=self.text)
            return Text.of(N_("added a shot: {text}"), text=self.text)
        if self.kind == "remove":
            return Text.of(N_("removed shot {shot}"), shot=self.shot)
        if self.kind == "reorder":
            if self.order:
                return Text.of(N_("new shot order: {order}"), order=", ".join(map(str, self.order)))
            if self.swap:
                return Text.of(N_("swapped shots {shot} and {other}"), shot=self.shot, other=self.to)
            if self.to == LAST:
                return Text.of(N_("moved shot {shot} last"), shot=self.shot)
            if self.to == 1:
                return Text.of(N_("moved shot {shot} first"), shot=self.shot)
            return Text.of(N_("moved shot {shot} to position {position}"), shot=self.shot, position=self.to)
        return Text.of(N_("extended: {text}"), text=self.text) if self.text else Text.of(N_("extended the clip"))


def _usage(kind: str) -> str:
    return {"shot": "shot 2: the monster roars", "camera": "camera 2: slow crane up",
            "remove": "remove shot 2"}[kind]


_N = r"(?:shot\s*#?\s*|#)?(\d+)"


_ZH_DIGITS = {"一": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5", "六": "6"}


# "第二个镜头", "第2镜", "镜头3" -> "shot 2": the English rules below then read Chinese shot numbers too.
_ZH_SHOT = re.compile(r"第\s*([一二两三四五六\d]+)\s*个?\s*(?:镜头|镜)|镜头\s*([一二两三四五六\d]+)")
# Articles and contractions a shot reference may carry ("the last shot", "la última toma", "l'ultima").
_ARTICLE = r"(?:(?:the|la|le|el|les|los|die|der|den|dem|das|il|lo|o|a|l'|nell'|dell')\s*)?"


@cache
def _shot_refs() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Each language's words for one shot (prompts/languages/*.toml `[shot_refs]`) -> "shot N" / "shot last",
    so "make the last shot funnier", "en la última toma ..." and "最后一个镜头改成夜景" reach the shot rules."""
    refs: list[tuple[str, str]] = []
    for data in languages():
        refs += [(phrase, "shot 1") for phrase in data.words("shot_refs.first")]
        refs += [(phrase, "shot last") for phrase in data.words("shot_refs.last")]
        refs += [(phrase.lower(), f"shot {number}") for phrase, number in data.table("shot_refs.numbered").items()]
    refs.sort(key=lambda pair: -len(pair[0]))
    return tuple((re.compile(_ARTICLE + alternation([phrase], spaced=phrase.isascii() or " " in phrase),
                             re.IGNORECASE), replacement) for phrase, replacement in refs)


@cache
def _whole_clip() -> re.Pattern[str]:
    return re.compile(alternation(word for data in languages() for word in data.words("shot_refs.whole")),
                      re.IGNORECASE)


def _with_shot_refs(text: str) -> str:
    for pattern, replacement in _shot_refs():
        text = pattern.sub(f" {replacement} ", text, count=1)
    return " ".join(text.split())


def _whole_clip_style(text: str) -> str | None:
    """The look a whole-clip change asks for ("make everything black and white", "todo en anime",
    "全部改成黑白"): the look words as typed, when the text names the whole clip and a known look."""
    if not _whole_clip().search(text):
        return None
    code = detect_language(text)
    key = find_look(text, "style", code)
    if key is None:
        return None
    lowered = text.lower()
    return next((alias for alias in sorted(STYLES[key][1], key=len, reverse=True) if alias in lowered), key)


_RULE_PATTERNS = (
    ("reroll", rf"^(?:re-?roll|regenerate|regen|new seed|重新生成|重来)"
               rf"(?:\s*(all|everything|every\s*shot|all\s*shots|全部|所有))?(?:\s*{_N})?$"),
    ("remove", rf"^(?:remove|delete|drop|cut|删除|删掉|去掉)(?:\s*{_N})?$"),
    ("swap", rf"^(?:swap|switch|exchange|交换|对调)\s*(?:shots\s*)?{_N}\s*(?:and|&|with|,|和|与)\s*{_N}$"),
    ("move", rf"^(?:move|put)\s*{_N}\s*(?:to\s+)?(?:the\s+)?(?:(first|start|beginning|front)|(last|end)"
             rf"|(?:position\s*)?(\d+))$"),
    ("move", rf"^把?\s*{_N}\s*(?:移到|放到|挪到)\s*(?:(最前面?|开头)|(最后面?|结尾)|{_N})$"),
    ("order", r"^(?:re-?order|order|顺序)\s*:?\s*(\d+(?:\s*[,\s]\s*\d+)+)$"),
    ("camera", rf"^(?:camera|cam|运镜)(?:\s*{_N})?\s*:\s*(.+)$"),
    ("add", rf"^(?:add|append|insert|添加|加)(?:\s+(?:a\s+)?(?:new\s+)?shot|\s*一?个?镜头)?"
            rf"(?:\s*(?:at\s+)?{_N})?\s*:\s*(.+)$"),
    ("extend", r"^(?:extend|continue|keep going|make it longer|延长|继续|续写)(?:\s*:\s*(.+))?$"),
    ("style", r"^(?:style\b|风格|画风)\s*(?::|to\b|改成|换成)?\s*(.+)$"),
    # "make it noir" is a look when the word names one or says "style"; "make it rain" is an edit.
    ("look", r"^(?:make it|make this|turn it into|redo it as|改成|换成|变成)\s*(?:an?\s+)?(.+?)"
             r"(\s*(?:style|风格|画风))?$"),
    ("style", r"^(?:in\s+)?(.+?)\s*(?:style|风格|画风)$"),
    ("shot", rf"^{_N}\s*:\s*(.+)$"),
    # "make shot 2 funnier", "shot 3 at night", "in shot 2, make it rain", "第二个镜头改成夜景", "the last shot ..."
    ("shot", r"^(?:please\s+)?(?:make|turn|change|set|put|redo|have|in)?\s*(?:the\s+)?shot\s*#?\s*(\d+|last)\s*"
             r"(?:to|into|be|:|,|-)?\s*(.+)$"),
    # The same in any language once its shot words are read: "en shot last, que llueva".
    ("shot", r"^(?:[^\s:,]+\s+){0,2}shot\s*#?\s*(\d+|last)\s*[,:\-]?\s*(.+)$"),
)


_RULES = tuple((kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _RULE_PATTERNS)


def parse_change(text: str, shot: int | None = None) -> RemixChange:
    """Free text (plus the command's optional shot number) -> a RemixChange.

    Understands "make it noir", "style: watercolor", "shot 2: the monster roars", "reroll 3", "reroll",
    "remove shot 2", "swap 1 and 3", "move shot 3 first", "order 3 1 2", "camera 2: slow crane up",
    "add: the monster falls asleep", "extend", and the Chinese 重新生成, 风格, 删除, 添加, 延长, 交换, 第二个镜头.
    Anything else is an edit of the whole request, or of `shot` when one is given. A number in the text
    wins over `shot`.
    """
    cleaned = " ".join(unicodedata.normalize("NFKC", clean(text)).split())
    if not cleaned:
        raise RemixError("Tell me what to change. {examples}", examples=_EXAMPLES, code="no_text")
    look = _whole_clip_style(cleaned)
    if look is not None:
        return RemixChange("style", look)
    normalized = _with_shot_refs(_ZH_SHOT.sub(lambda m: f"shot {_zh_number(m.group(1) or m.group(2))}", cleaned))
    for kind, pattern in _RULES:
        match = pattern.match(normalized)
        if match is None:
            continue
        change = _from_match(kind, match, shot)
        if change is not None:
            return change
    if style_description(cleaned) != cleaned.strip():  # a bare look word: "noir", "水墨"
        return RemixChange("style", cleaned)
    return RemixChange("shot", cleaned, shot) if shot is not None else RemixChange("edit", cleaned)


def _zh_number(text: str) -> str:
    return "".join(_ZH_DIGITS.get(char, char) for char in text)


def _number(digits: str) -> int:
    """A shot number or position the rules matched, bounded: past MAX_DIGITS digits it is refused as
    converters refuse it (int() of 5,000 digits raised ValueError and ended `reelbot chat`)."""
    value = whole_number(digits)
    if value is None:
        to_shot_number(digits)  # raises InvalidValue "invalid_shot", naming what was typed
    return value if value is not None else 0


def _from_match(kind: str, match: re.Match[str], shot: int | None) -> RemixChange | None:
    groups = match.groups()
    number = next((_number(g) for g in groups if g and g.isdigit()), None)
    target = shot if number is None else number
    if kind == "reroll":
        return RemixChange("reroll", shot=None if groups[0] else target)
    if kind == "remove":
        return RemixChange("remove", shot=target)
    if kind == "swap":
        return RemixChange("reorder", shot=_number(groups[0]), to=_number(groups[1]), swap=True)
    if kind == "move":
        first, last = groups[1], groups[2]
        target = 1 if first else LAST if last else _number(next(g for g in groups[3:] if g))
        return RemixChange("reorder", shot=_number(groups[0]), to=target)
    if kind == "order":
        return RemixChange("reorder", order=tuple(_number(n) for n in re.findall(r"\d+", groups[0])))
    if kind == "camera":
        return RemixChange("camera", groups[1], target)
    if kind == "add":
        return RemixChange("add", groups[1], target)
    if kind == "extend":
        return RemixChange("extend", groups[0] or "")
    if kind == "style":
        return RemixChange("style", groups[0])
    if kind == "look":
        look, said_style = groups
        return RemixChange("style", look) if said_style or style_description(look) != look.strip() else None
    # A Japanese note keeps its particle after the shot words ("最初のショットを夜にして"): it goes.
    text = groups[1].lstrip("をはがでにの、,: ")
    return RemixChange("shot", text or groups[1], LAST if groups[0].lower() == "last" else _number(groups[0]))


def stored_change(options: dict) -> RemixChange:
    """The RemixChange a stored remix request was made with (JSON turned the order tuple into a list)."""
    change = dict(options["change"])
    change["order"] = tuple(change.get("order", ()))
    return RemixChange(**change)
