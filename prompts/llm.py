"""What the LLM backends share: prompt in, reply text out, reply parsed and held to the request."""
from __future__ import annotations

import re

from prompts.base import ExpanderConfig, ExpandOptions
from prompts.coerce import coerce_shot_list, fit_shot_count
from prompts.errors import ExpansionError
from prompts.jsonrepair import loads_lenient
from prompts.messages import chat_messages
from prompts.request import RequestFacts, parse_request
from prompts.rules import RuleBasedExpander
from prompts.schema import Backend, ShotList

# Reasoning models think out loud before answering; the thoughts may hold braces that are not the answer.
_THINKING = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)


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
        reply = await self.complete(chat_messages(request, facts, options))
        return self.parse_reply(reply, facts, options)

    def parse_reply(self, reply: str, facts: RequestFacts, options: ExpandOptions) -> ShotList:
        reply = _THINKING.sub("", reply or "").strip()
        if not reply:
            raise ExpansionError(f"{self.backend} returned an empty reply")
        try:
            data = loads_lenient(reply)
        except ValueError as error:
            raise ExpansionError(f"{self.backend} reply is not JSON ({error}): {reply[:200]!r}") from error
        total = options.total_seconds(facts)
        shot_list = coerce_shot_list(
            data,
            defaults=self._rules.build(facts, options),
            backend=self.backend,
            bible=options.bible,
            total_seconds=total,
            negative=options.negative,
        )
        count = options.shot_count(facts)
        if count is None or count == len(shot_list.shots):
            return shot_list
        filler = self._rules.build(facts, ExpandOptions(
            shots=count, style=options.style, duration=options.duration, negative=options.negative,
            bible=shot_list.bible,
        ))
        return fit_shot_count(shot_list, count, filler, total)
