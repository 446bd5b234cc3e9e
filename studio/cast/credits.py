"""How a clip credits its cast, wherever it is shown: the post, the recipe card, the lineage tree (text and
image) and the gallery. Each character is credited to its owner; one whose owner was forgotten to "a
deleted member"."""
from __future__ import annotations

from collections.abc import Sequence

from common.text import N_, Nn_, Text
from storage.cast_uses import CastCredit
from studio.members import author_named


def character_name(credit: CastCredit) -> Text:
    """The character as members read it: its name, or "a deleted member's character"."""
    return Text.of(N_("a deleted member's character")) if credit.forgotten or not credit.name else Text.raw(credit.name)


def owner_text(credit: CastCredit) -> Text:
    """The character's owner as members read them (or "a deleted member")."""
    return author_named(credit.owner_id, credit.owner_name)


def credited(credit: CastCredit) -> Text:
    """"Mira by bob"."""
    return Text.of(N_("{name} by {owner}"), name=character_name(credit), owner=owner_text(credit))


def cast_line(cast: Sequence[CastCredit]) -> Text | None:
    """"Cast: Mira by bob, Leo by carol"; None without a cast."""
    if not cast:
        return None
    return Text.of(N_("Cast: {characters}"), characters=joined([credited(c) for c in cast]))


def joined(texts: Sequence[Text]) -> Text:
    """Texts in a list ("a, b, c"), each rendered in the reader's language. The template is only fields and
    commas, which every catalog leaves as it is."""
    template = ", ".join(f"{{t{i}}}" for i in range(len(texts)))
    return Text(template, {f"t{i}": text for i, text in enumerate(texts)})


def recipe_lines(cast: Sequence[CastCredit]) -> list[Text]:
    """The recipe card's lines for the cast: who, in which shots, and whether from their pictures."""
    lines = []
    for credit in cast:
        shots = ", ".join(str(shot + 1) for shot in credit.shots)
        how = (Nn_("{character}: shot {shots}, rendered from their reference pictures",
                   "{character}: shots {shots}, rendered from their reference pictures") if credit.conditioned else
               Nn_("{character}: shot {shots}, rendered from their description only",
                   "{character}: shots {shots}, rendered from their description only"))
        lines.append(Text.count(how, len(credit.shots), character=credited(credit), shots=shots))
    return lines
