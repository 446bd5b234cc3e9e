"""The option grammar: what a request says about the film rather than in it.

Shot count, total or per-shot duration, aspect ratio, style, slow motion, frame rate and camera hints are
read from casual text (English and Chinese, with the commonest Spanish, French and Japanese phrasings; digits,
number words and Chinese numerals), applied to the plan, and cut out of the text so they never reach a
prompt or a title. A number only becomes a duration or a shot count next to its unit: years ("in 1999"),
decades ("1980s", "the 70s"), ordinals ("the 2nd shot") and counts of things ("3 cats") stay content.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cache

from prompts.lexicon import STYLES
from prompts.numbers import NUMBER, number_value

# Ratios the render presets take (generation.registry.ASPECTS); closer ratios map onto them.
_RATIOS = {(9, 16): "9:16", (16, 9): "16:9", (1, 1): "1:1", (4, 5): "9:16", (3, 4): "9:16", (2, 3): "9:16",
           (4, 3): "16:9", (3, 2): "16:9", (21, 9): "16:9", (2, 1): "16:9"}
_STOP = r"[,.;!?，。；、()（）!?]"


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
    """NFKC (full-width digits and punctuation become ASCII), no control characters, single spaces."""
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", " ", unicodedata.normalize("NFKC", text))
    text = "".join(" " if unicodedata.category(char)[0] == "C" else char for char in text)
    return " ".join(text.split())


def read_options(text: str, language: str = "en") -> tuple[str, AskedOptions]:
    """(the request without its option phrases, the options). `text` should already be `normalize`d."""
    asked = AskedOptions()
    for reader in (_aspect, _fps, _slow_motion, _shot_seconds, _total_seconds, _shot_count, _camera):
        text, asked = reader(text, asked)
    text, asked = _style(text, asked, language)
    text, asked = option_fragments(text, asked)
    return tidy(text), asked


def tidy(text: str) -> str:
    """Close the gaps that cut phrases leave: doubled spaces and punctuation, dangling joiners."""
    text = " ".join(text.split())
    text = re.sub(r"\s+([,.;:!?，。；、])", r"\1", text)
    text = re.sub(r"([,;:，；、])(?:\s*[,;:，；、])+", r"\1", text)
    text = re.sub(r"\(\s*\)|（\s*）", "", text)
    previous = None
    while previous != text:
        previous = text
        text = re.sub(r"^[\s,.;:!?\-，。；、]+|[\s,;:\-，；、]+$", "", text)
        text = re.sub(r"\s+\b(?:and|with|in|at|on|of|please|for|but|so|as|to)$", "", text, flags=re.IGNORECASE)
        text = re.sub(r"^(?:and|with|but|so|also|plus)\b\s*", "", text, flags=re.IGNORECASE)
    return re.sub(
        r"\b([Aa])n?\s+(\w)",
        lambda m: f"{m.group(1)}{'n' if m.group(2).lower() in 'aeiou' else ''} {m.group(2)}",
        text,
    )


# --- helpers -------------------------------------------------------------------------------------------

def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _cut(text: str, match: re.Match[str], asked: AskedOptions, **values) -> tuple[str, AskedOptions]:
    phrase = match.group(0).strip()
    asked = replace(asked, phrases=(*asked.phrases, phrase), **values)
    return f"{text[:match.start()]} {text[match.end():]}", asked


def _first(patterns: tuple[re.Pattern[str], ...], text: str, accept=lambda text, match: True):
    for pattern in patterns:
        for match in pattern.finditer(text):
            if accept(text, match):
                return match
    return None


# --- aspect ----------------------------------------------------------------------------------------------

_RATIO = _compile(r"(?:\b(?:in|at|make\s+it)\s+)?(?:\b(?:aspect(?:\s+ratio)?|ratio|format)\s*:?\s*)?\(?"
                  r"(?<![\d:])(?P<w>\d{1,2})\s*[:/x×]\s*(?P<h>\d{1,2})(?![\d:])\)?"
                  r"(?:\s*(?:aspect(?:\s+ratio)?|ratio|format|video))?")
_ASPECT_WORDS = (
    ("9:16", _compile(r"(?:\b(?:in|as|make\s+it|for)\s+)?(?:an?\s+)?\b(?:vertical|portrait|tall|upright)"
                      r"\s+(?:video|format|mode|orientation|clip|aspect|screen|frame)\b")),
    ("9:16", _compile(r"(?:\b(?:for|as)\s+(?:an?\s+)?)?\b(?:tiktok|instagram\s+reels?|reels|youtube\s+shorts|"
                      r"instagram\s+stor(?:y|ies))(?:\s+(?:format|video))?\b")),
    ("9:16", _compile(r"(?:手机)?(?:竖屏|竖版|竖向|竖幅)(?:视频|格式|画面)?|縦長|縦型|縦向き|縦動画|"
                      r"\b(?:en\s+)?format(?:o)?\s+vertical\b|\ben\s+vertical\b")),
    ("16:9", _compile(r"(?:\b(?:in|as|make\s+it)\s+)?\bwide[\s-]?screen\b|\bcinemascope\b|"
                      r"(?:\b(?:in|as|make\s+it)\s+)?(?:an?\s+)?\b(?:landscape|horizontal)\s+"
                      r"(?:video|format|mode|orientation|aspect|screen|frame)\b")),
    ("16:9", _compile(r"(?:横屏|横版|宽屏|横向)(?:视频|格式|画面)?|横長|横型|"
                      r"\b(?:en\s+)?format(?:o)?\s+(?:horizontal|panor[aá]mico)\b")),
    ("1:1", _compile(r"(?:\b(?:in|as|make\s+it)\s+)?(?:an?\s+)?\bsquare\s+(?:video|format|aspect|frame|crop|clip)\b"
                     r"|(?:正方形|方形|方屏)(?:视频|格式|画面)?|\b(?:en\s+)?format(?:o)?\s+(?:carré|cuadrado)\b")),
)
# Words that only mean an aspect when they stand alone as an option ("a portrait of my dog" is content).
_ASPECT_ALONE = {"vertical": "9:16", "portrait": "9:16", "tall": "9:16", "tiktok": "9:16", "phone": "9:16",
                 "horizontal": "16:9", "landscape": "16:9", "wide": "16:9", "cinematic wide": "16:9",
                 "square": "1:1"}


def _aspect(text: str, asked: AskedOptions) -> tuple[str, AskedOptions]:
    match = _first((_RATIO,), text, lambda _, m: (int(m.group("w")), int(m.group("h"))) in _RATIOS)
    if match:
        return _cut(text, match, asked, aspect=_RATIOS[int(match.group("w")), int(match.group("h"))])
    for aspect, pattern in _ASPECT_WORDS:
        match = pattern.search(text)
        if match:
            return _cut(text, match, asked, aspect=aspect)
    return text, asked


# --- frame rate and slow motion --------------------------------------------------------------------------

_FPS = _compile(r"(?:\bat\s+)?(?P<n>\d{1,3})\s*(?:fps\b|frames?\s+(?:per|a)\s+second\b|帧每秒|帧/秒|帧)")
_SLOW = _compile(r"(?:\b(?:in|with|as)\s+)?(?:\b(?:super|extreme|ultra)[\s-]+)?\bslow[\s-]*mo(?:tion)?\b"
                 r"|\bslo-?mo\b|慢动作|慢镜头|慢放|スローモーション|(?:\ben\s+)?\bc[áa]mara\s+lenta\b"
                 r"|(?:\bau\s+)?\bralenti\b")


def _fps(text: str, asked: AskedOptions) -> tuple[str, AskedOptions]:
    match = _FPS.search(text)
    if match and 1 <= int(match.group("n")) <= 240:
        return _cut(text, match, asked, fps=int(match.group("n")))
    return text, asked


def _slow_motion(text: str, asked: AskedOptions) -> tuple[str, AskedOptions]:
    match = _SLOW.search(text)
    return _cut(text, match, asked, slow_motion=True) if match else (text, asked)


# --- durations -------------------------------------------------------------------------------------------

_UNIT = (r"(?P<u>minutes?|mins?|seconds?|secs?|s(?![A-Za-z])|segundos?|secondes?|minutos?|"
         r"秒钟?|分钟|分(?![镜钟])|秒間)(?![A-Za-zÀ-ÿ])")
_LEAD = (r"(?:\b(?:make|keep)\s+(?:it|this|that|the\s+(?:video|clip|film|movie|whole\s+thing))\s+(?:be\s+)?)?"
         r"(?:\b(?:for|in|about|around|roughly|approximately|approx|under|lasting|of|at\s+most|no\s+more\s+than|"
         r"exactly|total(?:ling)?|just|only|max|maximum|durée\s+de|dure|de|en|que\s+dure)\s+){0,3}")
_ZH_LEAD = r"(?:时长|长度|总时长|总共|一共|总长|全长|大约|大概|约)*"
_TRAIL = r"(?:[\s-]+(?:long|in\s+total|total|overall|max|de\s+long|de\s+duración))?(?:左右|长|的)?"
_NUM = rf"(?P<n>{NUMBER})"
_TOTAL = (
    _compile(rf"{_LEAD}{_ZH_LEAD}{_NUM}[\s-]*{_UNIT}{_TRAIL}"),
    _compile(r"(?:\b(?:make|keep)\s+it\s+)?(?:\b(?:for|in|about|around|under|lasting)\s+)?\b(?P<n>an?|one)\s+"
             r"(?P<u>minute)\b(?:[\s-]+long)?"),
    _compile(r"(?P<n>半)\s*(?P<u>分钟)"),
)
_SHOT_WORD = r"(?:shot|scene|clip|cut|镜头|镜|段|场景|toma|plano|plan)"
_PER_SHOT = (
    _compile(rf"\beach\s+(?:(?:lasting|of|at|about|around)\s+)?{_NUM}[\s-]*{_UNIT}(?:[\s-]+long)?"),
    _compile(rf"\b(?:each|every|per)\s+{_SHOT_WORD}\s+(?:(?:is|lasting|lasts|of|at|for|about|around|should\s+be)\s+)*"
             rf"{_NUM}[\s-]*{_UNIT}(?:[\s-]+long)?"),
    _compile(rf"{_LEAD}{_NUM}[\s-]*{_UNIT}(?:[\s-]+long)?\s*(?:each|apiece|per\s+{_SHOT_WORD}|a\s+{_SHOT_WORD}|"
             rf"for\s+each(?:\s+{_SHOT_WORD})?|every\s+{_SHOT_WORD}|(?:de\s+)?cada\s+(?:uno|una|{_SHOT_WORD})|"
             rf"par\s+{_SHOT_WORD}|chacun)\b"),
    _compile(rf"每(?:个|一个)?(?:镜头|镜|段|场景)(?:都)?(?:是|为)?(?:大约|约)?{_NUM}\s*{_UNIT}(?:左右)?"),
    _compile(rf"{_NUM}\s*{_UNIT}一个镜头"),
    _compile(rf"\b(?:cada\s+(?:toma|plano|escena)|chaque\s+plan)\s+(?:de\s+|fait\s+)?{_NUM}\s*{_UNIT}"),
)
# A bare "s" after a number is a decade or an age here: "the 80s", "her 20s", "a 50s diner".
_DECADE_BEFORE = re.compile(r"(?:\b(?:the|a|an|her|his|their|my|your|our|early|late|mid|mid-)\s*|')$", re.I)
_DECADE_AFTER = re.compile(r"^[\s-]*(?:style|styled|music|diner|fashion|vibes?|look|aesthetic|era|decor|cars?|"
                           r"movie|film|show|tv|disco|pop|rock|sitcom|cartoon|anime)\b", re.I)


def _seconds(match: re.Match[str]) -> float | None:
    value = number_value(match.group("n")) if match.group("n").lower() not in ("a", "an") else 1.0
    if not value or value <= 0:
        return None
    unit = match.group("u").lower()
    return value * (60.0 if unit.startswith(("min", "分")) else 1.0)


def _real_duration(text: str, match: re.Match[str]) -> bool:
    if match.group("u").lower() != "s":
        return _seconds(match) is not None
    raw = match.group("n")
    if not raw.isdigit() or len(raw) == 4 or int(raw) > 60:
        return False
    return not (_DECADE_BEFORE.search(text[:match.start("n")]) or _DECADE_AFTER.match(text[match.end():]))


def _shot_seconds(text: str, asked: AskedOptions) -> tuple[str, AskedOptions]:
    match = _first(_PER_SHOT, text, _real_duration)
    return _cut(text, match, asked, shot_seconds=_seconds(match)) if match else (text, asked)


def _total_seconds(text: str, asked: AskedOptions) -> tuple[str, AskedOptions]:
    match = _first(_TOTAL, text, _real_duration)
    return _cut(text, match, asked, total_seconds=_seconds(match)) if match else (text, asked)


# --- shot count ------------------------------------------------------------------------------------------

_SHOTS = (
    _compile(rf"(?:\b(?:in|with|as|using|over|across|into|split\s+into|make\s+it|do\s+it\s+in|just|only)\s+)?"
             rf"(?:\ban?\s+)?{_NUM}[\s-]+(?:(?:different|separate|quick|short|distinct|camera|cinematic|main|"
             r"wide|long)\s+)?(?:shots?|scenes?|cuts?|camera\s+angles?|angles?)\b(?!\s+of\b)"),
    _compile(r"(?:\b(?:in|as)\s+)?(?:\ban?\s+)?\b(?:oner|one[\s-]take|single[\s-]take|one\s+continuous\s+(?:shot|take)"
             r"|no\s+cuts)\b"),
    _compile(rf"(?:分成?|用|拍成?|做成?|分为|一共|总共|共)?{_NUM}\s*个?(?:镜头|分镜|场景)"),
    _compile(r"单镜头|一镜到底|长镜头|ワンカット|ワンショット"),
    _compile(rf"(?:\ben\s+)?{_NUM}\s+(?:tomas|planos|escenas|plans|prises|scènes)\b"),
    _compile(rf"{_NUM}\s*(?:つの)?(?:ショット|カット|シーン)"),
    # "a single shot of a candle", "a quick shot of": one shot, and the words go with it.
    _compile(r"\b(?:an?|one)\s+(?:(?:single|quick|short|simple|lone|brief|continuous)\s+)*shot\s+(?:of\b)?"),
)


def _shot_count(text: str, asked: AskedOptions) -> tuple[str, AskedOptions]:
    for pattern in _SHOTS:
        for match in pattern.finditer(text):
            raw = match.groupdict().get("n")
            value = 1.0 if raw is None else number_value(raw)
            if value is None or value < 1 or not float(value).is_integer():
                continue
            return _cut(text, match, asked, shots=int(value))
    return text, asked


# --- camera ----------------------------------------------------------------------------------------------

# (pattern, shot size, movement): English camera language for what the member named.
_CAMERA_HINTS = (
    (r"extreme\s+close[\s-]?ups?|大特写|超特写", "extreme close-up", None),
    (r"close[\s-]?ups?|closeups?|特写|近景|クローズアップ|primer\s+plano|gros\s+plan", "close-up", None),
    (r"drone\s+shots?|drone\s+footage|aerial\s+(?:shots?|view|footage)|bird'?s[\s-]eye\s+view|航拍|空撮|"
     r"toma\s+a[ée]rea|vue\s+a[ée]rienne", "aerial drone shot", None),
    (r"top[\s-]down\s+(?:shots?|view)|overhead\s+(?:shots?|view)|俯拍|俯视", "overhead top-down shot", None),
    (r"low[\s-]angle\s+(?:shots?|view)?|仰拍|仰视", "low-angle shot", None),
    (r"wide[\s-]angle\s+shots?|wide\s+shots?|远景|全景|plano\s+general|plan\s+large", "wide shot", None),
    (r"pov\s+shots?|pov|first[\s-]person\s+(?:view|shot)|point[\s-]of[\s-]view\s+shots?|第一人称|主观视角",
     "first-person POV shot", None),
    (r"hand[\s-]?held(?:\s+camera)?|shaky\s+cam|手持|c[áa]mara\s+en\s+mano|cam[ée]ra\s+[àa]\s+l'[ée]paule",
     None, "handheld camera"),
    (r"tracking\s+shots?|跟拍|跟随镜头", None, "tracking shot"),
    (r"static\s+(?:camera|shot)|locked[\s-]off\s+(?:camera|shot)|tripod\s+shot|固定镜头", None, "static camera"),
    (r"dolly\s+zoom|vertigo\s+effect|希区柯克变焦", None, "dolly zoom"),
    (r"slow\s+zoom(?:\s+in)?|zoom(?:ing)?\s+in|推镜头|推近", None, "slow zoom in"),
    (r"zoom(?:ing)?\s+out|拉镜头|拉远", None, "zoom out"),
    (r"orbit(?:ing)?\s+shots?|360[\s-]degree\s+(?:shot|orbit)|环绕镜头|环绕", None, "orbiting camera"),
    (r"pan(?:ning)?\s+shots?|摇镜头", None, "slow pan"),
)


@cache
def _camera_patterns() -> tuple[tuple[re.Pattern[str], str | None, str | None], ...]:
    return tuple(
        (_compile(rf"(?:\b(?:in|with|as|from)\s+)?(?:\b(?:an?|the)\s+)?(?<![A-Za-z])(?:{pattern})(?![A-Za-z])"
                  r"(?:\s+(?:shots?|view))?(?:\s+of\b)?"), size, move)
        for pattern, size, move in _CAMERA_HINTS
    )


def _camera(text: str, asked: AskedOptions) -> tuple[str, AskedOptions]:
    for pattern, size, move in _camera_patterns():
        if (size and asked.camera_size) or (move and asked.camera_move):
            continue
        match = pattern.search(text)
        if match:
            text, asked = _cut(text, match, asked, camera_size=size or asked.camera_size,
                               camera_move=move or asked.camera_move)
    return text, asked


# --- style -----------------------------------------------------------------------------------------------

_STYLE_OF = (
    _compile(r"(?:\b(?:in|with|like|using)\s+)?(?:\bthe\s+)?\b(?:style|look|aesthetic|vibe)\s+of\s+(?:an?\s+|the\s+)?"
             r"(?P<s>[^,.;!?，。；、()（）]+)"),
    _compile(r"\bstyle\s*[:=]\s*(?P<s>[^,.;!?，。；、()（）]+)"),
    _compile(r"(?:风格|画风)\s*(?:[:：]|是|为|用|要)\s*(?P<s>[^,.;!?，。；、()（）]+)"),
)
_STYLE_OF_ROMANCE = (
    _compile(r"(?:\b(?:al|con|en\s+el|de)\s+)?\bestilo\s+(?:de\s+(?:una?\s+|los?\s+|las?\s+)?)?(?P<s>[^,.;!?()]+)"),
    _compile(r"(?:\b(?:dans\s+le|au|en|de|avec\s+un)\s+)?\bstyle\s+(?:de\s+|d'|des\s+)?(?P<s>[^,.;!?()]+)"),
    _compile(r"(?:\b[àa]\s+la\s+mani[èe]re\s+(?:de\s+|d'|des\s+)|\bfa[çc]on\s+)(?P<s>[^,.;!?()]+)"),
)
_STYLE_WORD = _compile(r"(?:\b(?:in|with|as)\s+)?(?:\b(?:an?|the)\s+)?(?<![\w'&-])(?P<s>[\w'&-]+(?:\s+[\w'&-]+){0,3}?)"
                       r"[\s-]+(?:style|styled|aesthetic|vibes?)\b(?!\s+of\b)")
_NOT_STYLE = frozenset("""a an the in with as of and or but to for on at by from into like some this that its their his
her my your our is are be make made it me please same new different cool nice good""".split())
_CJK_STYLE = re.compile(r"(?:用|以|采用|做成|画成|拍成|改成|是)?(?P<s>[^\s,.;!?，。；、()（）的用以成是个种把在]{1,8}?)"
                        r"(?:风格|画风)(?:化)?(?:的)?")
_JA_STYLE = re.compile(r"(?P<s>[^\s、。のでにをがはと]{2,8}?)(?:風|スタイル)(?:の|で)?")


@cache
def _alias_style() -> tuple[re.Pattern[str], re.Pattern[str]]:
    latin = sorted((alias for _, aliases in STYLES.values() for alias in aliases if alias.isascii()),
                   key=len, reverse=True)
    names = "|".join(re.escape(alias).replace(r"\ ", r"[\s-]+") for alias in latin)
    framed = _compile(rf"(?:\b(?:an?|the)\s+)?(?<![\w-])(?P<s>{names})[\s-]+(?:video|clip|film|movie|animation|"
                      r"short|version|cartoon|reel|scene)s?\b")
    placed = _compile(rf"\b(?:in|as)\s+(?:an?\s+|the\s+)?(?P<s>{names})(?![\w-])(?!\s+(?:of|with)\b)")
    return framed, placed


def _style(text: str, asked: AskedOptions, language: str) -> tuple[str, AskedOptions]:
    patterns = _STYLE_OF + (_STYLE_OF_ROMANCE if language in ("es", "fr") else ())
    for pattern in (*patterns, *_alias_style()):
        match = pattern.search(text)
        if match and match.group("s").strip():
            return _cut(text, match, asked, style=_clean_style(match.group("s")))
    for match in _STYLE_WORD.finditer(text):
        words = match.group("s").split()
        while words and (words[0].lower() in _NOT_STYLE or words[0].lower().endswith("ing")):
            words.pop(0)
        if words and not any(word.lower() in _NOT_STYLE for word in words):
            start = match.start("s") + match.group("s").index(words[0])
            lead = re.search(r"(?:\b(?:in|with|as)\s+)?(?:\b(?:an?|the)\s+)?$", text[:start], re.IGNORECASE)
            phrase = text[lead.start():match.end()].strip()
            text = f"{text[:lead.start()]} {text[match.end():]}"
            return text, replace(asked, style=" ".join(words), phrases=(*asked.phrases, phrase))
    for pattern in (_CJK_STYLE, _JA_STYLE if language == "ja" else None):
        match = pattern.search(text) if pattern else None
        if match and match.group("s").strip():
            return _cut(text, match, asked, style=match.group("s").strip())
    return text, asked


def _clean_style(style: str) -> str:
    return re.sub(r"\s+(?:please|pls|thanks)$", "", " ".join(style.split()), flags=re.IGNORECASE).strip()


# --- options standing alone between commas ---------------------------------------------------------------

_FRAGMENT_LEAD = re.compile(r"^(?:and\s+|also\s+|please\s+|make\s+it\s+|in\s+|as\s+|with\s+|an?\s+)*", re.I)
_FRAGMENT_TAIL = re.compile(r"(?:\s+(?:format|mode|orientation|please|video|aspect|ratio|style|look|version))*$",
                            re.I)


def option_fragments(text: str, asked: AskedOptions) -> tuple[str, AskedOptions]:
    """"a robot dancing, vertical, noir": ambiguous words are options only as a fragment of their own."""
    parts = re.split(rf"({_STOP})", text)
    kept: list[str] = []
    for part in parts:
        bare = _FRAGMENT_TAIL.sub("", _FRAGMENT_LEAD.sub("", part.strip())).lower()
        if not bare:
            kept.append(part)
            continue
        if bare in _ASPECT_ALONE:
            asked = replace(asked, aspect=asked.aspect or _ASPECT_ALONE[bare], phrases=(*asked.phrases, part.strip()))
            continue
        if asked.style is None and any(bare in aliases for _, aliases in STYLES.values()):
            asked = replace(asked, style=bare, phrases=(*asked.phrases, part.strip()))
            continue
        kept.append(part)
    return tidy("".join(kept)), asked
