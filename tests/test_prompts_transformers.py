"""The local transformers backend with a tiny random Qwen2 model and a tokenizer trained here: its output is
noise, so the expander must fall back to the rules cleanly."""
from __future__ import annotations

import asyncio
import json
import logging

import pytest

from prompts.base import ExpanderConfig, ExpandOptions
from prompts.errors import ExpansionError
from prompts.expand import TransformersExpander, build_expander
from prompts.messages import examples, system_prompt

CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@pytest.fixture(scope="session")
def tiny_qwen(tmp_path_factory) -> str:
    """A two-layer, 32-wide Qwen2 with random weights and a 1k-token BPE tokenizer, saved like a hub model."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    bpe = Tokenizer(models.BPE(unk_token=None))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    # Trained on the system prompt itself so the (long) prompt encodes to few tokens.
    corpus = [system_prompt(), *(json.dumps(example, ensure_ascii=False) for example in examples())]
    bpe.train_from_iterator(corpus, trainers.BpeTrainer(
        vocab_size=1024, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    ))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    tokenizer.chat_template = CHAT_TEMPLATE

    torch.manual_seed(0)
    config = Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=8192,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True,
    )
    path = tmp_path_factory.mktemp("tiny-qwen")
    Qwen2ForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)


def tiny_config(path: str, **overrides) -> ExpanderConfig:
    # Sampling from random weights gives random tokens: the "garbage" a broken model would write.
    values = {"backend": "transformers", "model_id": path, "device": "cpu", "max_new_tokens": 24,
              "temperature": 1.0, "timeout": 20.0}
    return ExpanderConfig(**{**values, **overrides})


async def test_noise_from_the_model_is_an_expansion_error_and_the_model_loads_once(tiny_qwen):
    expander = TransformersExpander(tiny_config(tiny_qwen))
    for _ in range(2):
        with pytest.raises(ExpansionError):
            await expander.expand("a giant monster walking through New York")
    assert expander.loads == 1


async def test_fallback_to_rules_records_the_backend(tiny_qwen, caplog):
    expander = build_expander(tiny_config(tiny_qwen))
    with caplog.at_level(logging.WARNING, logger="prompts.expand"):
        shot_list = await expander.expand("一个巨大的怪物在纽约街道上行走", ExpandOptions(shots=3))
    assert shot_list.backend == "rules"
    assert len(shot_list.shots) == 3
    written = " ".join(shot.prompt for shot in shot_list.shots)
    assert "monster" in written and "New York" in written
    assert "transformers expander failed" in caplog.text


async def test_generation_runs_off_the_event_loop(tiny_qwen):
    expander = TransformersExpander(tiny_config(tiny_qwen, max_new_tokens=48))
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    task = asyncio.create_task(ticker())
    reply = await expander.complete([{"role": "user", "content": "a cat"}])
    task.cancel()
    assert reply.strip()
    assert ticks > 0


async def test_a_good_reply_is_parsed_as_transformers(tiny_qwen, monkeypatch):
    expander = build_expander(tiny_config(tiny_qwen))
    reply = "```json\n" + json.dumps(examples()[0]["shot_list"]) + "\n```"
    monkeypatch.setattr(expander.primary, "_generate", lambda messages: reply)
    shot_list = await expander.expand("a fox exploring a snowy forest at dawn")
    assert shot_list.backend == "transformers"
    assert shot_list.title == examples()[0]["shot_list"]["title"]
