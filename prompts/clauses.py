"""Clauses inside one beat: the actions a member lists without "then" are beats too, in the order written.

"a cat wakes up, stretches, and jumps out of the window" (verb phrases sharing one subject), "a keeper climbs
the stairs, a ship appears, the lamp sweeps the waves" (clauses with their own subject and verb) and "a wizard
raises his staff and the sky turns purple" each give one beat per clause; verbs joined by a bare "and"
("floats outside the station and fixes a panel") are one action of one beat. A list of nouns or adjectives ("a
fox, a bear and a deer", "a red, yellow and blue kite") has no verb and stays whole; so does a list of -ing
words ("a girl singing and dancing"), which are one ongoing action. A piece opens a clause when it starts with
a finite verb, a pronoun and a verb, or a short noun phrase and a verb; the piece before it must hold a verb.

The cues are the language's data (prompts/languages/*.toml `[parts]`: `verbs`, `base_verbs`, `auxiliaries`,
`articles`, `pronouns`, `place_preps`; `[beats]`: `joiners`). English verbs listed in their -s form also count
in their base form after a plural subject ("two astronauts float", "birds start singing").
"""
from __future__ import annotations

import re
from functools import cache

from prompts.langdata import Language, alternation, language

# Words a noun phrase before its verb may hold ("the old lamp", "one night a whale"), at most.
_NOUN_PHRASE_WORDS = 4
_PUNCT = ",.;:!?"


def base_form(verb: str) -> str:
    """An English -s form's base form: "flies" -> "fly", "watches" -> "watch", "rises" -> "rise"."""
    if verb.endswith("ies") and len(verb) > 4:
        return verb[:-3] + "y"
    if verb.endswith(("ches", "shes", "sses", "xes", "zes", "oes")):
        return verb[:-2]
    return verb[:-1] if verb.endswith("s") else verb


@cache
def finite_verbs(code: str) -> frozenset[str]:
    """The language's finite verb forms (phrases too: "se duerme"); English adds each listed -s form's base
    form, which is finite after a plural subject or a joiner ("and fix a panel")."""
    data = language(code)
    listed = {*data.words("parts.verbs"), *data.words("parts.base_verbs"), *data.words("parts.auxiliaries")}
    if code == "en":
        listed |= {base_form(verb) for verb in data.words("parts.verbs")}
    return frozenset(listed)


def verb_at(words: list[str], index: int, code: str) -> int:
    """How many words the finite verb at `index` covers (0: none starts there)."""
    verbs = finite_verbs(code)
    best = 0
    for size in (3, 2, 1):
        phrase = " ".join(word.lower().strip(_PUNCT) for word in words[index:index + size])
        if len(words[index:index + size]) == size and phrase in verbs:
            return size
    return best


def _has_verb(words: list[str], code: str) -> bool:
    """True when the piece holds a verb: a finite form, or a word with a verb ending (an -ing word)."""
    data = language(code)
    suffixes = data.words("parts.verb_suffixes")
    not_gerunds = set(data.words("parts.not_gerunds"))
    for index, word in enumerate(words):
        bare = word.lower().strip(_PUNCT)
        if verb_at(words, index, code):
            return True
        if bare not in not_gerunds and any(bare.endswith(s) and len(bare) >= len(s) + 3 for s in suffixes):
            return True
    return False


def _opens_clause(words: list[str], code: str, *, own_subject: bool) -> bool:
    """The piece starts a clause: a verb ("stretches"; not when `own_subject` is asked for), a pronoun and a
    verb ("he cries"), or a short noun phrase and a verb ("a ship appears", "one night a whale shows up",
    "birds start singing"). A verb word followed by another verb is a noun ("waves crash")."""
    data = language(code)
    if not words:
        return False
    first = words[0].lower().strip(_PUNCT)
    size = verb_at(words, 0, code)
    if size and not (len(words) > size and verb_at(words, size, code)):
        return not own_subject
    if first in data.words("parts.pronouns"):
        return len(words) > 1 and bool(verb_at(words, 1, code))
    stops = {*data.words("parts.place_preps"), *data.words("beats.joiners"), *data.words("parts.relatives")}
    for index in range(1, min(len(words), _NOUN_PHRASE_WORDS + 1)):
        previous = words[index - 1].lower().strip(_PUNCT)
        if (previous in stops and previous not in data.words("parts.articles")) or words[index - 1][-1:] in _PUNCT:
            return False
        if verb_at(words, index, code):
            return True
    return False


@cache
def _cuts(code: str) -> re.Pattern[str]:
    """Where a clause may start: after a comma or semicolon (and a joiner), or at a joiner ("and", "but")."""
    joiners = alternation(language(code).words("beats.joiners"))
    return re.compile(rf"\s*[,;](?!\d)\s*(?:{joiners}\s+)?|\s+{joiners}\s+", re.IGNORECASE)


def split_clauses(beat: str, code: str) -> list[str]:
    """`beat` cut into its clauses in order (see the module docstring); [beat] when it lists none. Only
    spaced scripts: Chinese, Japanese and Korean mark their beats with words (prompts.beats)."""
    data: Language = language(code)
    if not data.spaced or not data.words("beats.joiners"):
        return [beat]
    clauses: list[str] = []
    start = 0
    for match in _cuts(code).finditer(beat):
        before, after = beat[start:match.start()], beat[match.end():]
        # "floats outside and fixes a panel" is one action; after a comma, or with a subject of its own
        # ("and the sky turns purple"), the next clause is a beat.
        bare = not re.search(r"[,;]", match.group(0))
        if _has_verb(before.split(), code) and _opens_clause(after.split(), code, own_subject=bare):
            clauses.append(before.strip())
            start = match.end()
    clauses.append(beat[start:].strip())
    return [clause for clause in clauses if clause]
