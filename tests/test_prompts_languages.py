"""Languages as data (prompts/languages/*.toml): every file loads and compiles, each language is detected
and its options read, typos in option words are mended where an option word belongs and nowhere else."""
from __future__ import annotations

import pytest

from prompts.detect import detect_language
from prompts.grammar import _rules, read_options
from prompts.langdata import CODES, language, template_regex
from prompts.request import parse_request

# One request per language, with the options each must read: shots, seconds, aspect.
SAMPLES = {
    "en": ("a fox runs through the snow, 3 shots, 9 seconds, vertical", 3, 9.0, "9:16"),
    "zh-CN": ("一只狐狸在雪地里奔跑，三个镜头，9秒，竖屏", 3, 9.0, "9:16"),
    "zh-TW": ("一隻狐狸在雪地裡奔跑，三個鏡頭，9秒，直式影片", 3, 9.0, "9:16"),
    "es": ("un zorro corre por la nieve, 3 tomas, 9 segundos, formato vertical", 3, 9.0, "9:16"),
    "fr": ("un renard qui court dans la neige, 3 plans, 9 secondes, format vertical", 3, 9.0, "9:16"),
    "ja": ("雪の中を走るキツネ、3ショット、9秒、縦長", 3, 9.0, "9:16"),
    "de": ("Ein Fuchs rennt durch den Schnee, 3 Einstellungen, 9 Sekunden, Hochformat", 3, 9.0, "9:16"),
    "ko": ("여우가 눈밭을 달린다, 3컷, 9초, 세로 화면", 3, 9.0, "9:16"),
    "ru": ("лиса бежит по снегу, 3 кадра, 9 секунд, вертикальное видео", 3, 9.0, "9:16"),
    "pt": ("uma raposa correndo na neve, 3 tomadas, 9 segundos, formato vertical", 3, 9.0, "9:16"),
    "it": ("una volpe che corre nella neve, 3 inquadrature, 9 secondi, formato verticale", 3, 9.0, "9:16"),
}


def test_every_language_has_a_file_and_a_sample():
    assert set(SAMPLES) == set(CODES)
    for code in CODES:
        data = language(code)
        assert data.code == code and data.name and data.script
        _rules(code)  # every template of the language and English compiles


@pytest.mark.parametrize("code", CODES)
def test_each_language_is_detected_and_its_options_read(code):
    text, shots, seconds, aspect = SAMPLES[code]
    assert detect_language(text) == code
    facts = parse_request(text)
    assert (facts.language, facts.asked.shots, facts.asked.total_seconds, facts.asked.aspect) == (
        code, shots, seconds, aspect)
    assert all(phrase not in facts.text for phrase in facts.asked.phrases)


@pytest.mark.parametrize(("text", "shots", "seconds", "aspect", "kept"), [
    ("a fox, 3 shtos", 3, None, None, "a fox"),
    ("a fox, 12 secnods", None, 12.0, None, "a fox"),
    ("a fox, verticle", None, None, "9:16", "a fox"),
    ("un zorro corre por la nieve, 3 tomsa", 3, None, None, "un zorro corre por la nieve"),
    ("3 cats sleeping on a windowsill", None, None, None, "3 cats sleeping on a windowsill"),
    ("a fox in red shorts, shorts", None, None, None, "a fox in red shorts, shorts"),
    ("three shoots of bamboo growing", None, None, None, "three shoots of bamboo growing"),
])
def test_typos_in_option_words_are_mended_only_where_an_option_belongs(text, shots, seconds, aspect, kept):
    core, asked = read_options(text, detect_language(text))
    assert (asked.shots, asked.total_seconds, asked.aspect, core) == (shots, seconds, aspect, kept)


def test_templates_fold_accents_and_keep_word_edges():
    import re

    pattern = re.compile(template_regex("[en ]cámara lenta", {}), re.IGNORECASE)
    assert pattern.search("una bailarina en camara lenta") and pattern.search("en cámara lenta")
    assert not re.search(template_regex("ratio", {}), "gratiot")


def test_traditional_chinese_reads_through_the_simplified_dictionary():
    facts = parse_request("一隻貓在屋頂上睡覺")
    assert facts.language == "zh-TW" and facts.understood
    assert (facts.subject, facts.setting) == ("a cat", "a rooftop")
