"""The languages members write in, as data: one TOML file per language in prompts/languages/.

Each file holds what the planner reads in that language: number words, the option grammar (shot counts,
durations, aspect, slow motion, styles, camera words), beat words, chat framing, negations, look words (time,
weather, mood, style) and the cues that find a request's parts (articles, place prepositions, particles).
`language(code)` loads one (a file may `extends` another: zh-TW adds its own forms to zh-CN's); the engines
(prompts.grammar, prompts.beats, prompts.negation, prompts.parts) compile what they need from it. Adding a
language is a data file plus cases; prompts/languages/README.md says what each key means.

Patterns in the files are *templates*: words as written (spaces match any run of spaces or hyphens in Latin
and Cyrillic scripts, nothing or spaces in CJK), `[optional part]`, `(one|other)` alternatives and
`{slot}`s (`{n}` a number, `{unit}` seconds or minutes, `{shot}` a word for a shot, `{s}` free text to the
end of the clause, `{w}` up to three words, `{alias}` a known style word, `{x}` what is negated). A
template written `re:...` is a regular expression with the same slots, for what templates cannot say.
Accented letters also match their bare forms ("cámara" matches "camara").
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

# Every language with a data file, in the order ties in detection are broken.
CODES = ("en", "zh-CN", "zh-TW", "es", "fr", "ja", "de", "ko", "ru", "pt", "it")
SCRIPTS = ("latin", "han", "kana", "hangul", "cyrillic")
# A letter in any script: a Latin word ends where one of these does not follow.
LETTER = r"[^\W\d_]"
STOP = r"[,.;!?，。；、()（）:：！？]"
_SLOT = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Language:
    """One language's data (merged with the file it `extends`). `code` as Discord spells locales ("zh-CN"),
    `script` one of SCRIPTS (it decides word boundaries and detection)."""

    code: str
    name: str
    script: str
    data: dict[str, Any] = field(repr=False, hash=False, compare=False)

    @property
    def spaced(self) -> bool:
        """True when words are separated by spaces (Latin, Cyrillic, Korean)."""
        return self.script in ("latin", "cyrillic", "hangul")

    def words(self, path: str) -> tuple[str, ...]:
        """The list at `path` ("beats.breaks"), lowercased; () when the file has none. A string stands for
        the words in it, split at white space (long word lists read better so)."""
        value = self._at(path)
        if value is None:
            return ()
        if isinstance(value, str):
            return tuple(value.lower().split())
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError(f"{self.code}: {path} must be a list of strings")
        return tuple(item.lower() for item in value)

    def templates(self, path: str) -> tuple[str, ...]:
        """The templates at `path` ("options.shots") as written: `re:` patterns keep their case."""
        value = self._at(path)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError(f"{self.code}: {path} must be a list of templates")
        return tuple(value)

    def table(self, path: str) -> dict[str, Any]:
        """The table at `path` ("looks.time"), its keys as written; {} when the file has none."""
        value = self._at(path)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError(f"{self.code}: {path} must be a table")
        return value

    def text(self, path: str, default: str = "") -> str:
        value = self._at(path)
        return default if value is None else str(value)

    def _at(self, path: str) -> Any:
        value: Any = self.data
        for key in path.split("."):
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
        return value


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`extra` over `base`: tables merge key by key, lists add up (base first), scalars are replaced."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        elif isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = [*merged[key], *value]
        else:
            merged[key] = value
    return merged


@cache
def language(code: str) -> Language:
    """The language with data file `code`.toml; KeyError for a language without one."""
    if code not in CODES:
        raise KeyError(f"no language data for {code!r}; one of {', '.join(CODES)}")
    raw = tomllib.loads(files("prompts").joinpath("languages", f"{code}.toml").read_text(encoding="utf-8"))
    parent = raw.pop("extends", None)
    data = _merge(language(parent).data, raw) if parent else raw
    script = data.get("script", "latin")
    if script not in SCRIPTS:
        raise ValueError(f"{code}: script must be one of {', '.join(SCRIPTS)}")
    return Language(code, str(data.get("name", code)), script, data)


def languages() -> tuple[Language, ...]:
    return tuple(language(code) for code in CODES)


def in_play(code: str) -> tuple[Language, ...]:
    """The languages whose option words a request in `code` is read with: its own and English (members
    mix English option words into any language: "一只猫, 3 shots, vertical"); Chinese in either script is
    read with both Chinese files (a Simplified request with a Traditional word in it, "四个镜頭")."""
    chinese = ("zh-CN", "zh-TW") if code.startswith("zh") else ()
    return tuple(dict.fromkeys((language(code), *map(language, chinese), language("en"))))


# --- templates ---------------------------------------------------------------------------------------------

def _fold(char: str) -> str:
    """A literal character as a regex: accented letters also match their bare form."""
    base = unicodedata.normalize("NFD", char)[0]
    if base != char and base.isalpha():
        return f"[{re.escape(base)}{re.escape(char)}]"
    return re.escape(char)


def template_regex(template: str, slots: dict[str, str], spaced: bool = True) -> str:
    """A regular expression for one template (see the module docstring). `slots` maps slot names to regex
    fragments; `spaced`: a space in the template needs whitespace (else it may be absent). KeyError names
    a slot the caller does not fill."""
    if template.startswith("re:"):
        return _SLOT.sub(lambda match: slots[match.group(1)], template[3:])
    gap = r"[\s\-]+" if spaced else r"\s*"
    out: list[str] = []
    index = 0
    while index < len(template):
        char = template[index]
        if char == "{":
            end = template.index("}", index)
            out.append(slots[template[index + 1:end]])
            index = end + 1
            continue
        if char == "[":
            out.append("(?:")
        elif char == "]":
            out.append(")?")
        elif char == "(":
            out.append("(?:")
        elif char in ")|":
            out.append(char)
        elif char == " ":
            out.append(gap)
        else:
            out.append(_fold(char))
        index += 1
    body = "".join(out)
    # Words end at word edges: "ratio" never matches inside "gratio"; CJK has no such edges.
    bare = _SLOT.sub("", template).strip("[]() ")
    head = r"(?<!" + LETTER + ")" if bare[:1].isalpha() and _is_spaced_char(bare[0]) else ""
    tail = r"(?!" + LETTER + ")" if bare[-1:].isalpha() and _is_spaced_char(bare[-1]) else ""
    return head + body + tail


def _is_spaced_char(char: str) -> bool:
    """Latin, Cyrillic or Hangul letters: scripts whose words end at a space."""
    return ord(char) < 0x2E80 or 0xAC00 <= ord(char) <= 0xD7AF


def alternation(words: Iterable[str], spaced: bool = True) -> str:
    """One non-capturing alternative per word or phrase, longest first (so "film noir" wins over "noir")."""
    ordered = sorted(set(words), key=len, reverse=True)
    return "(?:" + "|".join(template_regex(word, {}, spaced) for word in ordered) + ")" if ordered else "(?!)"


def compile_all(templates: Iterable[str], slots: dict[str, str], spaced: bool = True) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(template_regex(template, slots, spaced), re.IGNORECASE) for template in templates)
