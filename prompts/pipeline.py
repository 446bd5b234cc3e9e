"""One call from raw chat text to a safe shot list: sanitize, screen, expand, screen what was written."""
from __future__ import annotations

import logging

from prompts.base import Expander, ExpandOptions
from prompts.errors import PromptError
from prompts.request import parse_request
from prompts.rules import RuleBasedExpander
from prompts.safety import DEFAULT_MAX_CHARS, SafetyPolicy, ensure_screened, refusal, sanitize_request, screen
from prompts.schema import ShotList

log = logging.getLogger(__name__)


async def expand_request(text: str, expander: Expander, policy: SafetyPolicy,
                         options: ExpandOptions | None = None, *, max_chars: int = DEFAULT_MAX_CHARS) -> ShotList:
    """Raises PromptError (empty, too long, or only options with nothing to show) or UnsafeRequest (refused,
    with a message for the requester)."""
    request = sanitize_request(text, max_chars=max_chars)
    if (options is None or options.bible is None) and not parse_request(request).beats:
        raise PromptError(
            "That only says how to film it, not what to show. Add what should happen, for example: "
            "`a red fox trots across a frozen lake at dusk, 2 shots, vertical`."
        )
    await ensure_screened(request, policy)
    shot_list = await expander.expand(request, options)
    verdict = await screen(_written_text(shot_list), policy)
    if not verdict.allowed and shot_list.backend != "rules":
        # The request passed, so the model added it; the rules only rephrase the request.
        log.warning("%s wrote disallowed text (%s); using the rule-based expander", shot_list.backend,
                    verdict.reason)
        shot_list = await RuleBasedExpander().expand(request, options)
        verdict = await screen(_written_text(shot_list), policy)
    if not verdict.allowed:
        raise refusal(verdict)
    return shot_list


def _written_text(shot_list: ShotList) -> str:
    """Everything that steers the render towards something; negative prompts are left out because they
    name exactly what to avoid ("nsfw, gore")."""
    bible = shot_list.bible
    parts = [shot_list.title, shot_list.logline, bible.style, bible.characters, bible.setting]
    for shot in shot_list.shots:
        parts += [shot.subject, shot.action, shot.camera, shot.lighting, shot.style, shot.prompt]
    return "\n".join(parts)
