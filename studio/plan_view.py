"""A plan without a render: the shot list a request gets and what each shot will render as.

Used by `reelbot plan` and by every reply that shows a plan, so the durations shown are the recipes' (what
the decoded file will last), not only what was asked.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from common.text import Text, jsonable
from generation.recipe import ShotRender
from prompts.base import Expander, ExpandOptions
from prompts.pipeline import expand_request
from prompts.safety import SafetyPolicy
from prompts.schema import ShotList
from studio.shots import recipes_for, shot_rows, shot_seeds, with_render_notes


@dataclass(frozen=True)
class PlanView:
    """A shot list with its recipes (one per shot) for `model`."""

    shot_list: ShotList
    model: str
    recipes: list[ShotRender]

    @property
    def total_seconds(self) -> float:
        """Seconds of the finished clip: the shots' rendered lengths added up."""
        return sum(recipe.duration for recipe in self.recipes)

    def as_json(self, say: Callable[[Text], str] | None = None) -> dict[str, Any]:
        """title, bible, aspect, width, height, fps, total_duration_s, backend, model, notes and shots[] with
        index, prompt, negative_prompt, camera, duration_s (what will be rendered) and segments; JSON-able.
        Notes are sentences said by `say` (a front-end's, in the reader's language), else Texts' stored form."""
        first = self.recipes[0]
        return jsonable({
            "title": self.shot_list.title,
            "bible": self.shot_list.bible.model_dump(),
            "aspect": self.shot_list.aspect,
            "width": first.width,
            "height": first.height,
            "fps": first.fps,
            "total_duration_s": round(self.total_seconds, 3),
            "backend": self.shot_list.backend,
            "model": self.model,
            "notes": self.shot_list.notes,
            "shots": shot_rows(self.shot_list, self.recipes),
        }, say)

    def as_text(self, say: Callable[[Text], str] = str) -> str:
        """The plan as console text: the shared recipe settings, then one line per shot, then the notes
        (said by `say`, English by default)."""
        first = self.recipes[0]
        lines = [
            f'"{self.shot_list.title}" via {self.shot_list.backend}: {len(self.recipes)} shot'
            f"{'s' * (len(self.recipes) != 1)}, {self.total_seconds:.1f} s, {first.width}x{first.height} at "
            f"{first.fps} fps on {self.model}",
            f"style: {self.shot_list.bible.style}",
        ]
        for row in shot_rows(self.shot_list, self.recipes):
            segments = f", {row['segments']} segments" if row["segments"] > 1 else ""
            lines.append(f"  {row['index']}. {row['duration_s']:.1f} s{segments} · {row['camera']}")
            lines.append(f"     {row['prompt']}")
        lines += [f"note: {say(note)}" for note in self.shot_list.notes]
        return "\n".join(lines)


async def plan_request(text: str, options: ExpandOptions, *, expander: Expander, policy: SafetyPolicy, model: str,
                       seed: int = 0) -> PlanView:
    """Plan `text` (sanitized, screened, expanded) for `model` without queueing anything. Raises PromptError
    (empty, too long, refused) and RecipeError (unknown model)."""
    shot_list = with_render_notes(await expand_request(text, expander, policy, options), model)
    seeds = shot_seeds(seed, len(shot_list.shots))
    return PlanView(shot_list, model, recipes_for(shot_list, model, seeds, aspect=shot_list.aspect))
