"""A local chat model through transformers: loaded once, lazily, generated on a worker thread."""
from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from prompts.base import ExpanderConfig
from prompts.llm import LLMExpander

log = logging.getLogger(__name__)


class TransformersExpander(LLMExpander):
    backend = "transformers"

    def __init__(self, config: ExpanderConfig) -> None:
        super().__init__(config)
        # One lock for load and generate: a second request waits for the first load instead of loading
        # the weights twice, and generations do not contend for the same device memory.
        self._lock = threading.Lock()
        self._model: Any = None
        self._tokenizer: Any = None
        self.loads = 0

    async def complete(self, messages: list[dict[str, str]]) -> str:
        # generate() holds the GIL only in short bursts; on a thread the event loop keeps serving Discord.
        return await asyncio.to_thread(self._generate, messages)

    def _generate(self, messages: list[dict[str, str]]) -> str:
        import torch

        with self._lock:
            model, tokenizer = self._loaded()
            inputs = tokenizer.apply_chat_template(
                messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
            ).to(model.device)
            sampling: dict[str, Any] = {"do_sample": False}
            if self.config.temperature > 0:
                sampling = {"do_sample": True, "temperature": self.config.temperature, "top_p": 0.9}
            with torch.inference_mode():
                output = model.generate(
                    **inputs,
                    max_new_tokens=self.config.max_new_tokens,
                    # Stops generation itself, so a timed-out request does not keep the device busy.
                    max_time=min(self.config.timeout, self.config.budget),
                    repetition_penalty=1.05,
                    pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None
                    else tokenizer.eos_token_id,
                    **sampling,
                )
            new_tokens = output[0, inputs["input_ids"].shape[1]:]
            return tokenizer.decode(new_tokens, skip_special_tokens=True)

    def _loaded(self) -> tuple[Any, Any]:
        if self._model is None:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            device = self.config.device or ("cuda" if torch.cuda.is_available() else "cpu")
            dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
            log.info("loading %s on %s", self.config.model_id, device)
            self._tokenizer = AutoTokenizer.from_pretrained(self.config.model_id)
            self._model = AutoModelForCausalLM.from_pretrained(self.config.model_id, dtype=dtype).to(device).eval()
            self.loads += 1
        return self._model, self._tokenizer
