"""Chat framing off, then the request cut into beats: what happens first, next and last.

"ok so basically I want like a robot who ..." keeps only "a robot who ..."; "X, then Y, finally Z",
"……然后……最后……", "the next morning ..." and sentence boundaries give one beat each, in the member's order.
Both are data (prompts/languages/*.toml: `[framing]`, `[beats]`). Beats keep the member's own words; a beat
that starts with its verb or a pronoun ("then draws his sword", "then it jumps") is given the first beat's
subject, so the shot rendered from it alone still knows who acts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from prompts.clauses import split_clauses, verb_at
from prompts.grammar import splice, tidy
from prompts.langdata import Language, alternation, in_play, language, template_regex


@dataclass(frozen=True)
class _Framing:
    leading: tuple[re.Pattern[str], ...]
    trailing: re.Pattern[str]
    aside: re.Pattern[str]
    anywhere: tuple[re.Pattern[str], ...]


def _patterns(languages: tuple[Language, ...], path: str) -> list[str]:
    return [template_regex(t, {}, data.spaced) for data in languages for t in data.templates(path)]


@cache
def _framing(code: str) -> _Framing:
    # Only the request's own language: English "um" is a hesitation, Portuguese "um" is "a".
    languages = (language(code),)
    words = _patterns(languages, "framing.leading")
    leading = [re.compile(rf"^(?:{'|'.join(sorted(words, key=len, reverse=True))})[\s,:!.，：、]*", re.IGNORECASE)]
    leading += [re.compile(rf"(?:{p[1:] if p.startswith('^') else p})[\s,:]*", re.IGNORECASE)
                for p in (*_patterns(languages, "framing.form"), *_patterns(languages, "framing.link"))]
    trailing = "|".join(sorted(_patterns(languages, "framing.trailing"), key=len, reverse=True)) or "(?!)"
    aside = alternation(word for data in languages for word in data.words("framing.aside"))
    return _Framing(
        leading=tuple(leading),
        trailing=re.compile(rf"[\s,]*(?:{trailing})[\s?!.,。！？~]*$", re.IGNORECASE),
        aside=re.compile(rf"(?:^|(?<=,))\s*{aside}\s*(?:,|$)", re.IGNORECASE),
        anywhere=tuple(re.compile(p, re.IGNORECASE) for p in _patterns(languages, "framing.remix_words")),
    )


def strip_framing(text: str, code: str = "en", *, keep: bool = True) -> str:
    """The request without the chat around it; the text itself if nothing would be left (`keep`), else ""."""
    framing = _framing(code)
    stripped = text.strip()
    for pattern in framing.anywhere:
        stripped = tidy(pattern.sub(" ", stripped), code)
    stripped = tidy(framing.aside.sub(",", stripped), code)
    previous = None
    while previous != stripped:
        previous = stripped
        for pattern in framing.leading:
            match = pattern.match(stripped)
            if match and match.end():
                stripped = tidy(stripped[match.end():], code)
        stripped = tidy(framing.trailing.sub("", stripped), code)
    return stripped or (text.strip() if keep else "")


@dataclass(frozen=True)
class _Beats:
    split: re.Pattern[str]
    kept: frozenset[str]
    first: re.Pattern[str]
    existential: re.Pattern[str]


@cache
def _beats(code: str) -> _Beats:
    languages = in_play(code)
    spaced = [template_regex(t, {}, True) for data in languages if data.spaced for t in data.templates("beats.breaks")]
    cjk = [template_regex(t, {}, False) for data in languages if not data.spaced for t in data.templates("beats.breaks")]
    parts = []
    if spaced:
        # Breaks may come together: "then years later", "and then finally".
        word = "|".join(sorted(spaced, key=len, reverse=True))
        parts.append(rf"(?:[,;]\s*(?:and\s+)?|\s+|^)(?P<b>(?:{word})(?:[\s,]+(?:{word}))*)[\s,]*")
    if cjk:
        parts.append(rf"[,，、]?\s*(?P<c>{'|'.join(sorted(cjk, key=len, reverse=True))})\s*[,，、]?")
    if any(data.text("beats.sentence") for data in languages):
        parts.append(r"(?<=[.!?])\s+(?=\S)|[。！？；]\s*")
    first = "|".join(template_regex(t, {}, data.spaced) for data in languages for t in data.templates("beats.first"))
    existential = alternation(language(code).words("beats.existential"))
    return _Beats(
        split=re.compile("|".join(parts), re.IGNORECASE),
        kept=frozenset(word for data in languages for word in data.words("beats.kept")),
        first=re.compile(rf"^(?:{first or '(?!)'})[\s,，、]*", re.IGNORECASE),
        existential=re.compile(rf"^{existential}\s+(?=\S)", re.IGNORECASE),
    )


def split_beats(text: str, code: str = "en") -> list[str]:
    """The request's beats in order; one beat (the whole text) when it names no sequence. A break that
    also says when ("the next morning", "第二天") stays at the start of the beat it opens; a piece with no
    word of its own ("the") joins the beat after it; the clauses a beat lists are beats of their own
    (prompts.clauses), and "there is" before what a beat shows goes."""
    rules = _beats(code)
    beats: list[str] = []
    carry = ""
    position = 0
    for match in rules.split.finditer(text):
        beats.append(splice(carry, text[position:match.start()].strip()) if carry else text[position:match.start()])
        word = (match.group("b") if "b" in rules.split.groupindex else None) or \
               (match.group("c") if "c" in rules.split.groupindex else None) or ""
        kept = next((phrase for phrase in sorted(rules.kept, key=len, reverse=True)
                     if word.lower().endswith(phrase)), "")
        carry = word[len(word) - len(kept):] if kept else ""
        position = match.end()
    beats.append(splice(carry, text[position:].strip()) if carry else text[position:])
    cleaned: list[str] = []
    pending = ""
    for beat in beats:
        beat = tidy(rules.first.sub("", beat.strip()), code)
        if not beat:
            continue
        if not _has_content(beat):
            pending = f"{pending} {beat}".strip()
            continue
        clauses = split_clauses(tidy(f"{pending} {beat}", code), code)
        cleaned += [tidy(rules.existential.sub("", clause), code) for clause in clauses]
        pending = ""
    if pending and cleaned:
        cleaned[-1] = tidy(f"{cleaned[-1]} {pending}", code)
    return cleaned or [tidy(text, code)]


_FUNCTION = frozenset("the a an and or of to it its this that le la les el los las un una une der die das".split())


def _has_content(beat: str) -> bool:
    """A beat shows something: a word that is not only an article or joiner, or any CJK character."""
    words = re.findall(r"[^\W\d_]+", beat.lower())
    return any(word not in _FUNCTION and (len(word) > 1 or not word.isascii()) for word in words)


def needs_subject(beat: str, code: str = "en") -> bool:
    """True when a follow-on beat starts with its verb or a pronoun ("draws his sword", "fix a panel",
    "jumping into the water", "it jumps", "salta al agua")."""
    data = language(code)
    words = beat.split()
    first = words[0].lower().strip(",.") if words else ""
    if first in data.words("parts.pronouns") or (words and verb_at(words, 0, code)):
        return True
    suffixes = data.words("parts.verb_suffixes")
    return any(first.endswith(suffix) and len(first) > len(suffix) + 2 for suffix in suffixes)


def carry_subjects(beats: list[str], subject: str | None, code: str) -> list[str]:
    """Beats after the first get `subject` ("the knight", "el perro"; Chinese: the first beat's own subject
    words) when they start with a verb or a pronoun; the first beat is returned as is."""
    if len(beats) < 2:
        return beats
    data = language(code)
    carried = [beats[0]]
    if not data.spaced:
        markers = alternation(data.words("parts.place_markers"), spaced=False)
        match = re.match(rf"^(?P<s>[^,，。{''.join(data.words('parts.place_markers'))}]{{1,8}}?){markers}", beats[0])
        actor = "|".join(template_regex(t, {}, False) for t in data.templates("parts.actors")) or "(?!)"
        for beat in beats[1:]:
            carried.append(f"{match.group('s')}{beat}" if match and not re.match(actor, beat) else beat)
        return carried
    pronouns = data.words("parts.pronouns")
    kept = _kept_prefix(code)
    for beat in beats[1:]:
        # "the next morning it wakes up": the time words stay in front, the subject goes after them.
        when = kept.match(beat)
        prefix, beat = (beat[:when.end()], beat[when.end():]) if when else ("", beat)
        words = beat.split(" ", 1)
        if subject and needs_subject(beat, code) and (code == "en" or words[0].lower() not in pronouns):
            # Outside English the subject comes from the member's words, so "il saute" keeps its pronoun.
            if words[0].lower() in pronouns:
                beat = f"{subject} {words[1] if len(words) > 1 else ''}".strip()
            else:
                beat = f"{subject} {beat}"
        carried.append(f"{prefix}{beat}")
    return carried


@cache
def _kept_prefix(code: str) -> re.Pattern[str]:
    kept = [word for data in in_play(code) for word in data.words("beats.kept")]
    return re.compile(rf"^{alternation(kept)}[\s,]*" if kept else "(?!)", re.IGNORECASE)
