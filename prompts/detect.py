"""Which language a request is written in, from the data files: its script, then (for Latin script) the
function words and letters each language lists (prompts/languages/*.toml: `stopwords`, `letters`, and for
Chinese `markers`, the characters only one of its two scripts writes)."""
from __future__ import annotations

import re

from prompts.langdata import Language, language, languages

_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN_WORD = re.compile(r"[a-zà-ÿœß]+")
# A Latin-script request needs this many function words of one language to be read as that language.
MIN_HITS = 2


def detect_language(text: str) -> str:
    """The code of the language `text` is written in (prompts.langdata.CODES); English when unsure."""
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    # Mixed requests ("a dragon over 纽约") go by whichever script carries more of the words.
    han = HAN.findall(text)
    if han and len(han) >= len(re.findall(r"[A-Za-z]+", text)):
        return _chinese(text)
    if _CYRILLIC.search(text):
        return "ru"
    lowered = text.lower()
    words = set(_LATIN_WORD.findall(lowered))
    scores = {data.code: _score(data, words, lowered) for data in languages() if data.script == "latin"}
    best = max(scores, key=lambda code: scores[code])  # ties go to the first listed (English)
    return best if scores[best] >= MIN_HITS and scores[best] > scores["en"] else "en"


def _score(data: Language, words: set[str], lowered: str) -> int:
    """Function words, option and beat words, listed verbs and verb endings of the language in `words`, and
    twice each of its own letters in the text."""
    own = set(data.words("stopwords")) | set(data.words("parts.articles")) | set(data.words("units.shots")) | \
        set(data.words("units.second")) | set(data.words("parts.verbs")) | set(data.words("parts.place_preps")) | \
        set(data.words("parts.relatives")) | {w for w in data.words("beats.breaks") if " " not in w and w.isalpha()}
    endings = tuple(suffix for suffix in data.words("parts.verb_suffixes") if len(suffix) >= 3)
    hits = len(words & own) + sum(1 for word in words if endings and word.endswith(endings) and len(word) > 5)
    return hits + 2 * sum(char in lowered for char in data.text("letters"))


def _chinese(text: str) -> str:
    """zh-TW when more of the text's characters are written only in Traditional Chinese, else zh-CN."""
    counts = {code: sum(char in language(code).text("markers") for char in text) for code in ("zh-CN", "zh-TW")}
    return "zh-TW" if counts["zh-TW"] > counts["zh-CN"] else "zh-CN"
