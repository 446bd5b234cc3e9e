"""The sampler of step-distilled (DMD) checkpoints, as a diffusers scheduler the stock pipelines accept.

A DMD student (FastWan) is sampled at a few fixed timesteps: at each it predicts the clean video, which is
noised again to the next timestep with fresh noise, and the last prediction is the result (FastVideo's
DMD denoising stage; for FastWan2.2-TI2V-5B the timesteps 1000, 757, 522 and no CFG). diffusers'
FlowMatchEulerDiscreteScheduler does exactly that step with `stochastic_sampling=True`: x0 = x - sigma * v,
then (1 - sigma_next) * x0 + sigma_next * noise. What the stock pipelines can't do is pass the fixed
sigmas (they call `set_timesteps(num_inference_steps)`) or a generator for that fresh noise (they call
`step` without one): this subclass takes both from its config and from `generator`, which the renderer sets
to the recipe's own generator, so a recipe gives the same video on every run and every device.
"""
from __future__ import annotations

from typing import Any

import torch
from diffusers import FlowMatchEulerDiscreteScheduler
from diffusers.configuration_utils import register_to_config


class DistilledFlowMatchScheduler(FlowMatchEulerDiscreteScheduler):
    """Flow-matching scheduler for DMD students: `fixed_timesteps` (out of `num_train_timesteps`, highest
    first) replace the evenly spaced schedule whenever that many steps are asked for; every step predicts
    x0 and re-noises it (`stochastic_sampling`) with `generator`'s noise."""

    @register_to_config
    def __init__(self, fixed_timesteps: tuple[int, ...] | list[int] = (1000, 757, 522),
                 num_train_timesteps: int = 1000, **kwargs: Any) -> None:  # fmt: skip
        # shift 1: the fixed timesteps already are the student's sigmas (x1000), not to be shifted again.
        super().__init__(num_train_timesteps=num_train_timesteps, shift=1.0, stochastic_sampling=True, **kwargs)
        self.generator: torch.Generator | None = None

    def set_timesteps(self, num_inference_steps: int | None = None, device: Any = None, **kwargs: Any) -> None:
        fixed = list(self.config.fixed_timesteps)
        if num_inference_steps == len(fixed) and not kwargs:
            sigmas = [t / self.config.num_train_timesteps for t in fixed]
            super().set_timesteps(sigmas=sigmas, device=device)
            return
        super().set_timesteps(num_inference_steps, device=device, **kwargs)

    def step(self, model_output: torch.Tensor, timestep: Any, sample: torch.Tensor, *args: Any, **kwargs: Any):
        kwargs.setdefault("generator", self.generator)
        return super().step(model_output, timestep, sample, *args, **kwargs)
