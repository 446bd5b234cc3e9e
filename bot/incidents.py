"""Unexpected errors in front-ends: one logged incident and an apology, never an exit.

A refusal (`common.errors.ReelbotError`) is an answer and is shown as such; anything else is a bug of ours.
Every front-end path (a console line, a slash command, a button, a form, a message the bot reads, a
delivery) turns a bug into one `incident`: logged once at ERROR with its traceback and where it happened,
under a short id the apology doesn't show but an operator can grep for, and the member gets the apology.
The front-end keeps serving. Imports no discord, so the console uses it too.
"""
from __future__ import annotations

import logging
import secrets

from bot.i18n import N_, _

log = logging.getLogger(__name__)

GENERIC_APOLOGY = N_("Sorry, something went wrong on my side. It has been logged; please try again in a moment.")


def incident(where: str, error: BaseException) -> str:
    """Log `error` (not a refusal: a bug) as one incident of `where` ("console /finalize", "button
    clip:reroll") and return the apology to show, in the current language."""
    log.error("incident %s in %s: %s", secrets.token_hex(3), where, type(error).__name__, exc_info=error)
    return _(GENERIC_APOLOGY)
