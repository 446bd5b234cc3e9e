"""What `/forget` says, the same in Discord (before and after its Forget button) and in the console (before
and after `/forget … confirm`)."""
from __future__ import annotations

from bot.i18n import _, ngettext
from studio.records import Forgotten


def forget_warning(whose: str | None) -> str:
    """What a forget will delete, asked before it runs; `whose` is the member's name, None for oneself."""
    if whose is None:
        return _("This deletes your requests, clips, votes, entries, characters and their pictures, and profile from "
                 "Reelbot, in every server, and takes your posts down. Remixes others made of your clips stay up, "
                 "crediting a deleted member; your shots in relay films stay in those films, without your name or "
                 "words. It can't be undone.")
    return _("This deletes {name}'s requests, clips, votes, entries, characters and their pictures, and profile in "
             "this server, and takes their posts down. Remixes others made of their clips stay up, crediting a "
             "deleted member; their shots in relay films stay in those films, without their name or words. It "
             "can't be undone.", name=whose)


def forgotten_text(forgotten: Forgotten, whose: str | None) -> str:
    """The reply to a carried-out forget, in the current language; `whose` is the forgotten member's name,
    None for the member themselves."""
    if forgotten.total == 0:
        return _("Reelbot holds nothing more about you.") if whose is None else _(
            "Reelbot holds nothing more about {name}.", name=whose)
    if whose is None:
        return ngettext("Done: {n} record about you deleted or anonymized. Remixes others made stay up, crediting "
                        "a deleted member.", "Done: {n} records about you deleted or anonymized. Remixes others "
                        "made stay up, crediting a deleted member.", forgotten.total)
    return ngettext("Done: {n} record about {name} deleted or anonymized. Remixes others made stay up, crediting "
                    "a deleted member.", "Done: {n} records about {name} deleted or anonymized. Remixes others "
                    "made stay up, crediting a deleted member.", forgotten.total, name=whose)
