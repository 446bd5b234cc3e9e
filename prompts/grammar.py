"""The option grammar: what a request says about the film rather than in it.

Shot count, total or per-shot duration, aspect ratio, style, slow motion, frame rate and camera words are
read with the patterns of the request's language and English (prompts/languages/*.toml, compiled here),
applied to the plan, and cut out of the text so they never reach a prompt or a title. A number only becomes
a duration or a shot count next to its unit: years ("in 1999"), decades ("1980s", "the 70s"), ordinals ("the
2nd shot") and counts of things ("3 cats") stay content. Option words typed with a typo ("3 shtos") are
mended first (prompts.fuzzy), where an option word belongs and nowhere else.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cache

from prompts.fuzzy import mend_option_typos
from prompts.langdata import STOP, Language, alternation, compile_all, in_play, template_regex
from prompts.numbers import number_regex, number_value, one_regex

# Ratios the render presets take (generation.registry.ASPECTS); closer ratios map onto them.
_RATIOS = {(9, 16): "9:16", (16, 9): "16:9", (1, 1): "1:1", (4, 5): "9:16", (3, 4): "9:16", (2, 3): "9:16",
           (4, 3): "16:9", (3, 2): "16:9", (21, 9): "16:9", (2, 1): "16:9"}
_ASPECTS = (("vertical", "9:16"), ("horizontal", "16:9"), ("square", "1:1"))


@dataclass(frozen=True)
class AskedOptions:
    """What the request asked for about the film itself. Durations in seconds; `style` as the member
    wrote it ("1980s music video", "watercolor", "水墨"); `camera_size`/`camera_move` in English camera
    language ("close-up", "handheld camera"); `phrases` the option text removed, as written."""

    shots: int | None = None
    total_seconds: float | None = None
    shot_seconds: float | None = None
    aspect: str | None = None
    style: str | None = None
    slow_motion: bool = False
    fps: int | None = None
    camera_size: str | None = None
    camera_move: str | None = None
    phrases: tuple[str, ...] = field(default=())


def normalize(text: str) -> str:
    """NFKC (full-width digits and punctuation become ASCII), curly apostrophes straight, no control
    characters, single spaces."""
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", " ", unicodedata.normalize("NFKC", text))
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = "".join(" " if unicodedata.category(char)[0] == "C" else char for char in text)
    return " ".join(text.split())


def read_options(text: str, language: str = "en") -> tuple[str, AskedOptions]:
    """(the request without its option phrases, the options). `text` should already be `normalize`d;
    `language` is a data file's code (prompts.langdata.CODES)."""
    rules = _rules(language)
    text = mend_option_typos(text, language)
    asked = AskedOptions()
    for reader in (_aspect, _fps, _slow_motion, _shot_seconds, _total_seconds, _shot_count, _camera, _style):
        text, asked = reader(text, asked, rules)
    return option_fragments(text, asked, language)


def tidy(text: str, code: str = "en") -> str:
    """Close the gaps that cut phrases leave: doubled spaces and punctuation, dangling joiners ("and",
    "please") at either end. Prepositions are left alone: "the lights turn on" ends on one. English (`code`)
    "a"/"an" agree with the next word; in other languages "a" is a word of its own ("il y a un", "salta a
    un lago")."""
    text = " ".join(text.split())
    text = re.sub(r"\s+([,.;:!?，。；、])", r"\1", text)
    text = re.sub(r"([,;:，；、])(?:\s*[,;:，；、])+", r"\1", text)
    text = re.sub(r"\(\s*\)|（\s*）", "", text)
    previous = None
    while previous != text:
        previous = text
        text = re.sub(r"^[\s,.;:!?\-，。；、]+|[\s,;:\-，；、]+$", "", text)
        text = re.sub(r"\s+\b(?:and|please|but|so|plus|or)$", "", text, flags=re.IGNORECASE)
        text = re.sub(r"^(?:and|with|but|so|also|plus)\b\s*", "", text, flags=re.IGNORECASE)
    if code != "en":
        return text
    return re.sub(
        r"\b([Aa])n?\s+([A-Za-z])",
        lambda m: f"{m.group(1)}{'n' if m.group(2).lower() in 'aeiou' else ''} {m.group(2)}",
        text,
    )


def splice(before: str, after: str) -> str:
    """Two pieces of text rejoined where a phrase was cut: a space between words, none between CJK
    characters (a space would stay in the prompt: "一条 街道")."""
    if before[-1:].strip() and after[:1].strip() and _CJK_CHAR.match(before[-1]) and _CJK_CHAR.match(after[0]):
        return before + after
    return f"{before} {after}"


_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]")


# --- the compiled rules of a language ------------------------------------------------------------------------

@dataclass(frozen=True)
class _Rules:
    ratio: re.Pattern[str]
    aspects: tuple[tuple[str, re.Pattern[str]], ...]
    aspect_alone: dict[str, str]
    fps: tuple[re.Pattern[str], ...]
    slow: tuple[re.Pattern[str], ...]
    each: tuple[re.Pattern[str], ...]
    total: tuple[re.Pattern[str], ...]
    shots: tuple[re.Pattern[str], ...]
    camera: tuple[tuple[re.Pattern[str], str | None, str | None], ...]
    style: tuple[re.Pattern[str], ...]
    style_word: tuple[re.Pattern[str], ...]
    style_lead: re.Pattern[str]
    style_not: frozenset[str]
    style_alone: frozenset[str]
    fragment_lead: re.Pattern[str]
    fragment_tail: re.Pattern[str]
    dangling: re.Pattern[str]
    minutes: frozenset[str]
    decade_before: tuple[re.Pattern[str], ...]
    decade_after: tuple[re.Pattern[str], ...]


# A number and a unit of time is a total in every language, with the language's words around it.
_DEFAULT_TOTAL = r"re:{lead}{n}[\s-]*{unit}(?![A-Za-zÀ-ÿЀ-ӿ]){trail}"


def _words(languages: tuple[Language, ...], path: str) -> list[str]:
    return [word for data in languages for word in data.words(path)]


def _any(languages: tuple[Language, ...], path: str, slots: dict[str, str]) -> str:
    """One regex matching any template at `path` in any of `languages` ("(?!)" when none has one)."""
    found = [template_regex(t, slots, data.spaced) for data in languages for t in data.templates(path)]
    return "|".join(f"(?:{regex})" for regex in found) or "(?!)"


@cache
def _rules(code: str) -> _Rules:
    languages = in_play(code)
    codes = tuple(data.code for data in languages)
    slots = {
        "n": f"(?P<n>{number_regex(codes)})",
        "an": f"(?P<n>{one_regex(codes)})",
        "unit": "(?P<u>" + alternation(_words(languages, "units.second") + _words(languages, "units.minute")) + ")",
        "shot": alternation(_words(languages, "units.shot")),
        "shots": alternation(_words(languages, "units.shots") or _words(languages, "units.shot")),
        "s": r"(?P<s>[^,.;!?，。；、()（）]+)",
        "w": r"(?P<s>[^\W\d_][\w'&-]*(?:\s+[^\W\d_][\w'&-]*){0,3}?)",
        "aliases": alternation(alias for data in languages for aliases in data.table("looks.style").values()
                               for alias in aliases),
    }

    def each_language(path: str, *extra: str) -> tuple[re.Pattern[str], ...]:
        """The templates at `path` of every language in play, each with its own language's duration words."""
        patterns: list[re.Pattern[str]] = []
        for data in languages:
            own = {**slots, "lead": f"(?:{_any((data,), 'options.duration_lead', slots)})?",
                   "trail": f"(?:{_any((data,), 'options.duration_trail', slots)})?"}
            patterns += compile_all((*data.templates(path), *extra), own, data.spaced)
        return tuple(patterns)

    camera = []
    for data in languages:
        lead, trail = _any((data,), "camera.lead", slots), _any((data,), "camera.trail", slots)
        for kind in ("size", "move"):
            for english, aliases in data.table(f"camera.{kind}").items():
                body = "|".join(template_regex(alias, slots, data.spaced) for alias in aliases)
                pattern = re.compile(rf"(?:{lead})?(?<![^\W\d_])(?:{body})(?![^\W\d_])(?:{trail})?", re.IGNORECASE)
                camera.append((pattern, english if kind == "size" else None, english if kind == "move" else None))
    ratio = re.compile(rf"(?:{_any(languages, 'options.ratio_lead', slots)})?(?<![\d:])(?P<w>\d{{1,2}})\s*[:/x×]\s*"
                       rf"(?P<h>\d{{1,2}})(?![\d:])(?:{_any(languages, 'options.ratio_trail', slots)})?", re.IGNORECASE)
    lead_words, tail_words = _words(languages, "options.fragment_lead"), _words(languages, "options.fragment_tail")
    dangling = _words(languages, "options.dangling")
    return _Rules(
        ratio=ratio,
        aspects=tuple((aspect, pattern) for name, aspect in _ASPECTS for pattern in each_language(f"options.{name}")),
        aspect_alone={word.lower(): aspect for data in languages
                      for word, aspect in data.table("options.aspect_alone").items()},
        fps=each_language("options.fps"),
        slow=each_language("options.slow_motion"),
        each=each_language("options.each"),
        total=each_language("options.total", _DEFAULT_TOTAL),
        shots=each_language("options.shots") + each_language("options.one_shot"),
        camera=tuple(camera),
        style=each_language("options.style"),
        style_word=each_language("options.style_word"),
        style_lead=re.compile(f"(?:{_any(languages, 'options.style_lead', slots)})$", re.IGNORECASE),
        style_not=frozenset(_words(languages, "options.style_not")),
        style_alone=frozenset(alias for data in languages for aliases in data.table("looks.style").values()
                              for alias in aliases),
        fragment_lead=re.compile(rf"^(?:{alternation(lead_words)}\s*)*" if lead_words else "^", re.IGNORECASE),
        fragment_tail=re.compile(rf"(?:\s*{alternation(tail_words)})*$" if tail_words else "$", re.IGNORECASE),
        dangling=re.compile(rf"(?:\s*{alternation(dangling)})+\s*$" if dangling else "(?!)", re.IGNORECASE),
        minutes=frozenset(_words(languages, "units.minute")),
        decade_before=tuple(re.compile(t[3:], re.IGNORECASE) for data in languages
                            for t in data.templates("units.decade_before")),
        decade_after=tuple(re.compile(t[3:], re.IGNORECASE) for data in languages
                           for t in data.templates("units.decade_after")),
    )


# --- reading ---------------------------------------------------------------------------------------------

def _cut(text: str, match: re.Match[str], asked: AskedOptions, rules: _Rules, **values) -> tuple[str, AskedOptions]:
    """`text` without the matched phrase, and a joiner left dangling by it ("a fox in [3 shots]", "a bowl of
    ramen, [square] and [vertical]") goes too; a word the phrase did not leave dangling stays."""
    phrase = match.group(0).strip()
    asked = replace(asked, phrases=(*asked.phrases, phrase), **values)
    before, after = text[:match.start()], text[match.end():]
    if not after.strip() or re.match(rf"\s*{STOP}", after):
        before = rules.dangling.sub("", before)
    return splice(before, after), asked


def _first(patterns: tuple[re.Pattern[str], ...], text: str, accept=lambda text, match: True):
    for pattern in patterns:
        for match in pattern.finditer(text):
            if match.group(0).strip() and accept(text, match):
                return match
    return None


def _aspect(text: str, asked: AskedOptions, rules: _Rules) -> tuple[str, AskedOptions]:
    match = _first((rules.ratio,), text, lambda _, m: (int(m.group("w")), int(m.group("h"))) in _RATIOS)
    if match:
        return _cut(text, match, asked, rules, aspect=_RATIOS[int(match.group("w")), int(match.group("h"))])
    for aspect, pattern in rules.aspects:
        match = _first((pattern,), text)
        if match:
            return _cut(text, match, asked, rules, aspect=aspect)
    return text, asked


def _fps(text: str, asked: AskedOptions, rules: _Rules) -> tuple[str, AskedOptions]:
    match = _first(rules.fps, text, lambda _, m: 1 <= int(m.group("n")) <= 240)
    return _cut(text, match, asked, rules, fps=int(match.group("n"))) if match else (text, asked)


def _slow_motion(text: str, asked: AskedOptions, rules: _Rules) -> tuple[str, AskedOptions]:
    match = _first(rules.slow, text)
    return _cut(text, match, asked, rules, slow_motion=True) if match else (text, asked)


def _seconds(match: re.Match[str], rules: _Rules) -> float | None:
    value = number_value(match.group("n"))
    if not value or value <= 0:
        return None
    unit = match.group("u").lower()
    return value * (60.0 if unit in rules.minutes else 1.0)


def _real_duration(rules: _Rules):
    def accept(text: str, match: re.Match[str]) -> bool:
        if len(match.group("u")) > 1:
            return _seconds(match, rules) is not None
        # A bare "s" after a number is a decade or an age: "the 80s", "her 20s", "a 50s diner".
        raw = match.group("n")
        if not raw.isdigit() or len(raw) == 4 or int(raw) > 60:
            return False
        before, after = text[:match.start("n")], text[match.end():]
        return not (any(p.search(before) for p in rules.decade_before) or any(p.match(after) for p in rules.decade_after))
    return accept


def _shot_seconds(text: str, asked: AskedOptions, rules: _Rules) -> tuple[str, AskedOptions]:
    match = _first(rules.each, text, _real_duration(rules))
    return _cut(text, match, asked, rules, shot_seconds=_seconds(match, rules)) if match else (text, asked)


def _total_seconds(text: str, asked: AskedOptions, rules: _Rules) -> tuple[str, AskedOptions]:
    match = _first(rules.total, text, _real_duration(rules))
    return _cut(text, match, asked, rules, total_seconds=_seconds(match, rules)) if match else (text, asked)


def _shot_count(text: str, asked: AskedOptions, rules: _Rules) -> tuple[str, AskedOptions]:
    def whole(_: str, match: re.Match[str]) -> bool:
        raw = match.groupdict().get("n")
        value = 1.0 if raw is None else number_value(raw)
        return value is not None and value >= 1 and float(value).is_integer()

    match = _first(rules.shots, text, whole)
    if not match:
        return text, asked
    raw = match.groupdict().get("n")
    return _cut(text, match, asked, rules, shots=int(number_value(raw) if raw else 1))


def _camera(text: str, asked: AskedOptions, rules: _Rules) -> tuple[str, AskedOptions]:
    for pattern, size, move in rules.camera:
        if (size and asked.camera_size) or (move and asked.camera_move):
            continue
        match = _first((pattern,), text)
        if match:
            text, asked = _cut(text, match, asked, rules, camera_size=size or asked.camera_size,
                               camera_move=move or asked.camera_move)
    return text, asked


def _style(text: str, asked: AskedOptions, rules: _Rules) -> tuple[str, AskedOptions]:
    match = _first(rules.style, text, lambda _, m: bool(m.group("s").strip()))
    if match:
        return _cut(text, match, asked, rules, style=_clean_style(match.group("s")))
    for pattern in rules.style_word:
        for match in pattern.finditer(text):
            words = match.group("s").split()
            while words and (words[0].lower() in rules.style_not or words[0].lower().endswith("ing")):
                words.pop(0)
            if not words or any(word.lower() in rules.style_not for word in words):
                continue
            start = match.start("s") + match.group("s").index(words[0])
            lead = rules.style_lead.search(text[:start])
            phrase = text[lead.start():match.end()].strip()
            text = f"{text[:lead.start()]} {text[match.end():]}"
            return text, replace(asked, style=" ".join(words), phrases=(*asked.phrases, phrase))
    return text, asked


def _clean_style(style: str) -> str:
    return re.sub(r"\s+(?:please|pls|thanks)$", "", " ".join(style.split()), flags=re.IGNORECASE).strip()


def option_fragments(text: str, asked: AskedOptions, language: str = "en") -> tuple[str, AskedOptions]:
    """"a robot dancing, vertical, noir": ambiguous words are options only as a fragment of their own."""
    rules = _rules(language)
    kept: list[str] = []
    for part in re.split(f"({STOP})", text):
        bare = rules.fragment_tail.sub("", rules.fragment_lead.sub("", part.strip())).strip().lower()
        if bare and bare in rules.aspect_alone:
            asked = replace(asked, aspect=asked.aspect or rules.aspect_alone[bare], phrases=(*asked.phrases, part.strip()))
            continue
        if bare and asked.style is None and bare in rules.style_alone:
            asked = replace(asked, style=bare, phrases=(*asked.phrases, part.strip()))
            continue
        kept.append(part)
    return tidy("".join(kept), language), asked
