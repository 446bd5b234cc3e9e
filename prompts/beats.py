"""Chat framing off, then the request cut into beats: what happens first, next and last.

"ok so basically I want like a robot who ..." keeps only "a robot who ..."; "X, then Y, finally Z",
"……然后……最后……" and sentence boundaries give one beat each, in the member's order. Beats keep the
member's own words; a beat that starts with a verb ("then draws his sword") is given the first beat's
subject so that the shot rendered from it alone still knows who acts.
"""
from __future__ import annotations

import re

from prompts.grammar import tidy

_LEADING_CHAT = re.compile(
    r"^(?:h+m+|u+m+|u+h+|o+k+a*y*|ok\s+so|so+|basically|like|well|alright|right|hey|hi|hello|yo|please|pls|plz|"
    r"just|um+|erm+|lol|i\s+want\s+to\s+see|i\s+wanna\s+see|i'?d\s+like\s+to\s+see|i\s+would\s+like\s+to\s+see|"
    r"i\s+want|i\s+wanna|i'?d\s+like|i\s+would\s+like|i\s+need|i'?m\s+thinking|i\s+was\s+thinking|"
    r"how\s+about|what\s+about|let'?s\s+(?:do|make|see|have)|picture\s+this|imagine|can\s+(?:you|i\s+get)|"
    r"could\s+you|would\s+you|will\s+you|show\s+me|make\s+me|give\s+me|make|create|generate|render|show|draw|"
    r"animate|film|shoot|do|"
    # remix notes: "same but at night", "now in anime", "this time with a dog"
    r"same(?:\s+thing|\s+video|\s+clip|\s+one)?|but|now|again|this\s+time|instead|also|and|redo|remix)"
    r"\b[\s,:!.]*", re.IGNORECASE)
_LEADING_FORM = re.compile(
    r"^(?:(?:a|an|the|one|some|me|us)\s+)?(?:(?:short|quick|little|cool|funny|small|nice|tiny|simple|brief|"
    r"cinematic|new|whole)\s+)*(?:video|clip|film|movie|animation|reel|gif|vid|trailer|teaser|short|story)s?"
    r"(?:\s+(?:of|about|showing|where|with|in\s+which|that\s+shows|featuring|for|on))?\b[\s,:]*", re.IGNORECASE)
_LEADING_LINK = re.compile(r"^(?:something|anything|a\s+thing|one)\s+(?:where|with|about|like|that\s+shows)\b\s*"
                           r"|^(?:of|about|showing|where|with|in\s+which|that\s+shows|featuring)\b[\s,:]*",
                           re.IGNORECASE)
_TRAILING_CHAT = re.compile(
    r"[\s,]*(?:you\s+know|ya\s+know|if\s+(?:you\s+can|possible)|please|pls|plz|thanks|thank\s+you|thx|lol|haha|"
    r"ok\??|okay\??|right\??|or\s+something|or\s+whatever|i\s+guess|maybe)[\s?!.,]*$", re.IGNORECASE)
_CHAT_ZH = re.compile(r"^(?:请|麻烦|帮我|给我|我想要?|我要|想看|能不能|可以)+(?:生成|做|画|拍|来|制作|弄)?"
                      r"(?:一个|一段|一部|个|段|部)?(?:视频|短片|动画|影片)?(?:[,:：，]|关于|是)?"
                      r"|(?:的)?(?:视频|短片|动画|影片)(?:吧|呢|谢谢)?$|谢谢$|吧$")
_CHAT_ROMANCE = re.compile(
    r"^(?:quiero\s+(?:ver\s+)?|hazme\s+|haz\s+|crea\s+|por\s+favor\s+|je\s+veux\s+(?:voir\s+)?|fais(?:-moi)?\s+|"
    r"cr[ée]e\s+|montre(?:-moi)?\s+)+(?:(?:un|una|une)\s+)?(?:v[íi]deo|vid[ée]o|clip|film)?\s*(?:de\s+|d')?"
    r"|[\s,]*(?:por\s+favor|s'il\s+(?:te|vous)\s+pla[îi]t|merci|gracias)[\s!.]*$", re.IGNORECASE)
_CHAT_JA = re.compile(r"(?:の)?(?:動画|ビデオ|映像)(?:を)?(?:作って|つくって|お願い)?(?:ください|下さい)?$|"
                      r"を作って(?:ください)?$|ください$")


def strip_framing(text: str) -> str:
    """The request without the chat around it; the text itself if nothing would be left."""
    previous, stripped = None, text.strip()
    while previous != stripped:
        previous = stripped
        for pattern in (_LEADING_CHAT, _LEADING_FORM, _LEADING_LINK, _TRAILING_CHAT, _CHAT_ZH, _CHAT_ROMANCE,
                        _CHAT_JA):
            stripped = tidy(pattern.sub("", stripped, count=1))
    return stripped or text.strip()


_BEAT_BREAK = re.compile(
    r"(?:[,;]\s*|\s+|^)(?:and\s+then|then|after\s+that|afterwards|after\s+which|next(?!\s+to\b)|later(?:\s+on)?|"
    r"finally|eventually|in\s+the\s+end|at\s+the\s+end|y\s+luego|luego|despu[ée]s|finalmente|al\s+final|"
    r"et\s+puis|puis|ensuite|enfin|finalement)\b[\s,]*"
    r"|(?<=[.!?])\s+(?=\S)|[。！？；]\s*"
    r"|[,，]?\s*(?:然后|接着|之后|随后|紧接着|最后|最终|后来|再然后)\s*[,，]?"
    r"|[、,]?\s*(?:それから|そして|その後|最後に|次に)\s*[、,]?",
    re.IGNORECASE)
_FIRST = re.compile(r"^(?:first(?:ly)?|at\s+first|to\s+start|首先|先|primero|d'abord|まず)\b[\s,，、]*", re.IGNORECASE)


def split_beats(text: str) -> list[str]:
    """The request's beats in order; one beat (the whole text) when it names no sequence."""
    beats = [tidy(_FIRST.sub("", part.strip())) for part in _BEAT_BREAK.split(text)]
    beats = [beat for beat in beats if beat]
    return beats or [tidy(text)]


# Verbs members start a follow-on beat with; -s and -ing forms count too ("draws", "jumping").
_BASE_VERBS = frozenset("""
draw draws drew pull pulls grab grabs run runs jump jumps walk walks fly flies fall falls turn turns look looks
see sees find finds lose loses get gets go goes come comes take takes make makes open opens close closes
charge charges attack attacks lie lies sit sits stand stands dive dives swim swims land lands leave leaves
start starts begin begins become becomes wake wakes sleep sleeps eat eats drink drinks smile smiles laugh laughs
cry cries dance dances sing sings explode explodes crash crashes escape escapes return returns reach reaches
climb climbs throw throws catch catches hug hugs kiss kisses fight fights win wins roar roars rise rises
disappear disappears vanish vanishes transform transforms shout shouts wave waves chase chases stop stops
""".split())


def needs_subject(beat: str) -> bool:
    """True when a follow-on beat starts with its verb ("draws his sword", "jumping into the water")."""
    first = beat.split(" ", 1)[0].lower().strip(",.")
    return first in _BASE_VERBS or (first.endswith("ing") and len(first) > 4) or first in ("he", "she", "they", "it")


_ZH_SUBJECT = re.compile(r"^(?P<s>[^在正从坐站躺跳跑追,，。]{1,8}?)(?:正在|在|从|坐在|站在|躺在)")
_ZH_ACTOR = re.compile(r"^(?:一只|一个|一位|一头|一条|他|她|它|他们|小|大)")


def carry_subjects(beats: list[str], subject: str | None, language: str) -> list[str]:
    """Beats after the first get `subject` ("the knight"; Chinese: the first beat's own subject words)
    when they start with a verb; the first beat is returned as is."""
    if len(beats) < 2:
        return beats
    carried = [beats[0]]
    if language == "zh":
        match = _ZH_SUBJECT.match(beats[0])
        for beat in beats[1:]:
            carried.append(f"{match.group('s')}{beat}" if match and not _ZH_ACTOR.match(beat) else beat)
        return carried
    for beat in beats[1:]:
        words = beat.split(" ", 1)
        if subject and needs_subject(beat):
            beat = f"{subject} {beat}" if words[0].lower() not in ("he", "she", "they", "it") else \
                f"{subject} {words[1] if len(words) > 1 else ''}".strip()
        carried.append(beat)
    return carried
