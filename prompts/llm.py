"""What the LLM backends share: prompt in, reply text out, reply parsed and held to the request.

The option grammar runs first (through the rule-based plan of the same request): its shot count, durations,
aspect, style, things to keep out and beats go to the model as constraints, and the model's shot list is
then checked against them, repaired where it strays (count, durations, style, aspect, a dropped thing, what
to keep out; prompts.hold), or rejected (a swapped subject, nothing kept; FallbackExpander then answers with
the rules, and the reason is logged). Every reply passes through common.intake.from_endpoint (cleaned, the
secrets this process holds redacted) before anything reads it, so a secret never reaches a stored plan.
"""
from __future__ import annotations

import dataclasses

from common.intake import from_endpoint
from prompts.base import ExpanderConfig, ExpandOptions
from prompts.coerce import coerce_shot_list, fit_shot_count
from prompts.compose import join_within, shorten, style_description
from prompts.errors import ExpansionError
from prompts.faithful import content_words, missing_words
from prompts.messages import chat_messages
from prompts.reply_json import json_candidates, strip_reasoning
from prompts.hold import english_reference, hold_negatives, hold_nouns, hold_style
from prompts.request import RequestFacts, parse_request, style_key as _style_key
from prompts.rules import SLOW_MOTION_STYLE, RuleBasedExpander, beat_cores, plan_durations
from prompts.schema import Backend, ShotList

# An English request none of whose content words (of at least this many) reach the model's prompts was not
# followed: the model wrote about something else. Paraphrase ("snow-covered" for "snowy") is fine.
MIN_CONTENT_WORDS = 2


class LLMExpander:
    """Subclasses implement `complete(messages) -> str`; any failure raises (ExpansionError or the
    transport's own error) so that FallbackExpander can switch to rules."""

    backend: Backend

    def __init__(self, config: ExpanderConfig) -> None:
        self.config = config
        self._rules = RuleBasedExpander()

    async def complete(self, messages: list[dict[str, str]]) -> str:
        raise NotImplementedError

    async def expand(self, request: str, options: ExpandOptions | None = None) -> ShotList:
        options = options or ExpandOptions()
        facts = parse_request(request)
        plan = self._rules.build(facts, options)
        # Whichever backend wrote it (a local model can echo a secret from its context too), the reply is
        # cleaned and redacted (common.intake) before anything reads it.
        reply = from_endpoint(await self.complete(chat_messages(request, facts, options, plan)), self.config.api_key)
        return self.parse_reply(reply, facts, options)

    def parse_reply(self, reply: str, facts: RequestFacts, options: ExpandOptions) -> ShotList:
        """The model's shot list held to the request; ExpansionError when the reply holds none that fits.
        Each JSON value in the reply is tried in turn, and the first that makes a valid shot list wins."""
        if not strip_reasoning(reply or ""):
            raise ExpansionError(f"{self.backend} returned an empty reply (or only reasoning)")
        plan = self._rules.build(facts, options)
        problems: list[str] = []
        for candidate in json_candidates(reply):
            try:
                shot_list = coerce_shot_list(candidate.value, defaults=plan, backend=self.backend,
                                             bible=options.bible, negative=options.negative)
                return self._hold_to_plan(shot_list, plan, facts, options, truncated=candidate.truncated)
            except ExpansionError as error:
                problems.append(error.detail)
        why = problems[0] if problems else "no JSON in it"
        raise ExpansionError(f"{self.backend} reply has no usable shot list ({why}): {reply[:200]!r}")

    def _hold_to_plan(self, shot_list: ShotList, plan: ShotList, facts: RequestFacts, options: ExpandOptions,
                      *, truncated: bool) -> ShotList:
        count = options.shot_count(facts)
        if count is not None and len(shot_list.shots) != count:
            if truncated and len(shot_list.shots) < count:
                raise ExpansionError(f"the reply was cut off after {len(shot_list.shots)} of {count} shots")
            filler = self._rules.build(facts, dataclasses.replace(options, shots=count, bible=shot_list.bible))
            shot_list = fit_shot_count(shot_list, count, filler, subject=facts.subject)
        if english_reference(facts):
            cores = beat_cores(facts, options)
            written = " ".join(shot.prompt for shot in shot_list.shots)
            asked = content_words(" ".join(cores))
            missing = missing_words(" ".join(cores), written)
            if len(asked) >= MIN_CONTENT_WORDS and len(missing) == len(asked):
                raise ExpansionError(f"the shot list leaves out everything asked for: {', '.join(missing[:8])}")
            if facts.names_subject and not options.bible:
                shot_list = hold_nouns(shot_list, facts.subject, cores)
        shot_list = hold_style(shot_list, _style_key(options.style_text(facts)) or facts.style
                               if options.style_text(facts) else None)
        shot_list = hold_negatives(shot_list, facts.negative)
        notes = list(plan.notes)
        durations = plan_durations([shot.duration for shot in shot_list.shots], facts, options, notes)
        bible, shots = _with_look(shot_list, _look(facts, options))
        shots = [shot.model_copy(update={"duration": seconds}) for shot, seconds in zip(shots, durations, strict=True)]
        return shot_list.model_copy(update={
            "bible": bible, "shots": shots, "aspect": plan.aspect, "fps": plan.fps,
            "notes": list(dict.fromkeys(notes)),
        })


def _look(facts: RequestFacts, options: ExpandOptions) -> list[str]:
    """The look words the request insists on: its style (as the rules describe it) and slow motion."""
    style = options.style_text(facts)
    return [part for part in (style_description(style) if style else "",
                              SLOW_MOTION_STYLE if facts.asked.slow_motion else "") if part]


def _with_look(shot_list: ShotList, look: list[str]):
    """Bible and shots with every required look in the bible's style and in each prompt."""
    bible, shots = shot_list.bible, list(shot_list.shots)
    for part in look:
        if part.lower() not in bible.style.lower():
            bible = bible.model_copy(update={"style": join_within([part, bible.style], 300)})
        shots = [
            shot if part.lower() in shot.prompt.lower()
            else shot.model_copy(update={"prompt": shorten(f"{shot.prompt.rstrip('. ')}. Style: {part}.", 1200)})
            for shot in shots
        ]
    return bible, shots
