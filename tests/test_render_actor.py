"""RenderActor as a plain object (what a Ray actor runs): its event stream, throttled progress, image-to-video
shots fed from bytes, and stopping when the stream is closed (what `ray.cancel` does at a yield)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from storage_fixtures import tiny_recipe

from generation.encoding import probe
from generation.errors import RenderCancelled
from generation.recipe import ShotRender
from renderqueue.ray_actor import RenderActor
from renderqueue.remote import Loaded, Progress, RenderRequest, Shot, ShotTask


class ScriptedRenderer:
    """A shot renderer that reports `steps` steps `step_s` apart and remembers each recipe it got."""

    def __init__(self, step_s: float = 0.0) -> None:
        self.step_s = step_s
        self.recipes: list[ShotRender] = []
        self.stopped = threading.Event()

    def __call__(self, recipe, pipelines, *, on_step, should_cancel):
        self.recipes.append(recipe)
        for step in range(1, recipe.steps + 1):
            time.sleep(self.step_s)
            on_step(step, recipe.steps)
            if should_cancel():
                self.stopped.set()
                raise RenderCancelled("The render was cancelled.")
        return np.zeros((recipe.num_frames, recipe.height, recipe.width, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def actor(tiny_models_dir) -> RenderActor:
    return RenderActor(str(tiny_models_dir), device="cpu", progress_interval=0.05)


def request(*recipes: dict, images: dict[int, bytes] | None = None) -> RenderRequest:
    images = images or {}
    return RenderRequest(7, tuple(ShotTask(i, r, images.get(i)) for i, r in enumerate(recipes)), len(recipes))


def test_a_stream_loads_once_reports_progress_and_sends_playable_shots(actor, tmp_path):
    actor._render_shot = ScriptedRenderer()
    recipes = [{**tiny_recipe(0), "steps": 50}, tiny_recipe(1)]

    events = list(actor.render(request(*recipes)))
    again = list(actor.render(request(tiny_recipe(2))))

    [loaded] = [event for event in events if isinstance(event, Loaded)]
    assert loaded.model == "tiny" and loaded.seconds > 0
    assert [event for event in again if isinstance(event, Loaded)] == [Loaded("tiny", None)], "kept warm"
    shots = [event for event in events if isinstance(event, Shot)]
    assert [(shot.index, shot.recipe_hash) for shot in shots] == [
        (index, ShotRender.from_dict(recipe).content_hash()) for index, recipe in enumerate(recipes)
    ]
    (tmp_path / "shot.mp4").write_bytes(shots[0].mp4)
    assert probe(tmp_path / "shot.mp4").frame_count == 5
    steps = [event.step for event in events if isinstance(event, Progress) and event.index == 0]
    assert steps[0] == 0 and steps[-1] == 50 and len(steps) < 10, "50 fast steps are sent as a few events"
    assert actor.pipelines.loads == 1


def test_an_image_to_video_shot_gets_its_first_frame_from_the_request(actor, tmp_path):
    renderer = actor._render_shot = ScriptedRenderer()
    image = tmp_path / "first.png"
    Image.new("RGB", (64, 64), (200, 30, 30)).save(image)
    recipe = {**tiny_recipe(0), "init_image": str(image)}
    expected_hash = ShotRender.from_dict(recipe).content_hash()  # by the image's content, not its path
    moved = image.read_bytes()
    image.unlink()  # on a GPU host the bot host's path does not exist

    events = list(actor.render(request(recipe, images={0: moved})))

    [shot] = [event for event in events if isinstance(event, Shot)]
    assert shot.recipe_hash == expected_hash
    assert Path(renderer.recipes[0].init_image).name == "init-0.png"
    assert not Path(renderer.recipes[0].init_image).exists(), "scratch files are removed after the request"


def test_closing_the_stream_stops_the_render_at_its_next_step(actor):
    renderer = actor._render_shot = ScriptedRenderer(step_s=0.05)
    stream = actor.render(request({**tiny_recipe(0), "steps": 1000}))

    assert isinstance(next(stream), Progress)
    started = time.monotonic()
    stream.close()  # ray.cancel raises GeneratorExit at the stream's next yield

    assert renderer.stopped.is_set() and time.monotonic() - started < 2.0
    assert list(actor.render(request(tiny_recipe(1))))[-1].index == 0, "the actor serves the next request"
