"""The translation catalogs: complete, not stale, compilable, placeholders intact, command words valid."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.i18n import LOCALE_DIR, error_message, fields, languages, negotiate, supported, use
from bot.i18n import _ as translate
from bot.i18n import ngettext
from bot.i18n.extract import command_messages
from common.errors import QueueFull
from storage.settings import validate_setting
from common.errors import InvalidValue

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/messages.po"))
# Discord's rule for localized command and option names (openapi.json: 1-32 characters, the name regex).
NAME = re.compile(r"^[-_'\w]{1,32}$")


def _key(message_id: str | tuple[str, ...], context: str | None) -> tuple[str | None, str]:
    return context, message_id[0] if isinstance(message_id, tuple) else message_id


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    """What `pybabel extract -F babel.cfg .` finds in the code right now."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    catalog = Catalog()
    for _, lineno, message, comments, context in extract_from_dir(str(ROOT), method_map, options_map):
        catalog.add(message, None, [("", lineno)], auto_comments=comments, context=context)
    return catalog


def _read(path: Path) -> Catalog:
    with path.open("rb") as source:
        return read_po(source)


def test_there_is_a_simplified_chinese_catalog() -> None:
    assert "zh-CN" in languages()
    assert any(path.parent.parent.name == "zh_CN" for path in CATALOGS)


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_every_translatable_string_has_a_translation_and_none_is_stale(path: Path, extracted: Catalog) -> None:
    catalog = _read(path)
    wanted = {_key(m.id, m.context) for m in extracted if m.id}
    have = {_key(m.id, m.context): m for m in catalog if m.id}
    missing = sorted(wanted - set(have), key=str)
    stale = sorted(set(have) - wanted, key=str)
    assert missing == [], f"not in {path.name}: run the pybabel update of README's Translations section"
    assert stale == [], f"in {path.name} but no longer in the code: run pybabel update"
    untranslated = [key for key, m in have.items() if m.fuzzy or not all(m.string if isinstance(m.string, tuple)
                                                                         else [m.string])]
    assert untranslated == []


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_catalog_compiles_and_keeps_every_placeholder(path: Path) -> None:
    catalog = _read(path)
    write_mo(io.BytesIO(), catalog)  # what pybabel compile does
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):  # plural forms may drop {n} (one form for every count) but no other field
            expected = fields(message.id[0]) | fields(message.id[1])
            for form in message.string:
                if not fields(form) <= expected or not (expected - {"n"}) <= fields(form):
                    wrong.append((message.id, form))
        elif fields(message.id) != fields(message.string):
            wrong.append((message.id, message.string))
    assert wrong == []


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_command_and_option_names_follow_discords_rules(path: Path) -> None:
    bad = [
        (m.id, m.string) for m in _read(path)
        if m.context in ("command", "option") and (not NAME.match(m.string) or m.string != m.string.lower())
    ]
    assert bad == []


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_command_and_option_descriptions_fit_discords_limit(path: Path) -> None:
    # openapi.json: description_localizations values are 1-100 characters.
    descriptions = {message for source in (ROOT / "bot").rglob("*.py")
                    for _, funcname, message, _ in command_messages(source.read_text()) if funcname == "_"}
    catalog = _read(path)
    too_long = [(d, catalog.get(d).string) for d in descriptions
                if catalog.get(d) is not None and not 1 <= len(catalog.get(d).string) <= 100]
    assert descriptions and too_long == []


def test_language_negotiation() -> None:
    assert negotiate("zh-CN") == negotiate("zh_CN") == "zh-CN"
    assert negotiate("fr", "zh-CN") == "zh-CN"  # the first candidate with a catalog
    assert negotiate("en-GB", "zh-CN") == "en"
    # Each Chinese script has its own catalog: Traditional Chinese readers never get Simplified Chinese.
    assert negotiate("zh-TW") == negotiate("zh_TW") == "zh-TW"
    assert negotiate("ja") == negotiate("ja-JP") == "ja"
    assert supported("zh-HK") is None and negotiate("zh-HK") == "en"
    assert negotiate(None, "") == "en"


def test_translation_with_named_values_and_plurals() -> None:
    with use("zh-CN"):
        assert translate("Deleted clip #{clip_id}.", clip_id=4) == "已删除短片 #4。"
        assert ngettext("{n} shot from earlier renders", "{n} shots from earlier renders", 2) == "2 个镜头来自之前的渲染"
    assert translate("Deleted clip #{clip_id}.", clip_id=4) == "Deleted clip #4."
    assert ngettext("{n} shot from earlier renders", "{n} shots from earlier renders", 1) == "1 shot from earlier renders"
    assert ngettext("{n} shot from earlier renders", "{n} shots from earlier renders", 2) == "2 shots from earlier renders"


def test_refusals_from_the_core_are_translated_from_their_template() -> None:
    refusal = QueueFull("This server's render queue is full ({limit} clips). Please try again in a few minutes.",
                        limit=20)
    assert error_message(refusal) == refusal.user_message
    with use("zh-CN"):
        assert error_message(refusal) == "本服务器的渲染队列已满（20 条短片）。请过几分钟再试。"
    with pytest.raises(InvalidValue) as caught:
        validate_setting("max_shots", 9)
    with use("zh-CN"):
        assert error_message(caught.value) == "`max_shots` 必须在 1 到 6 之间。"


def test_the_language_setting_takes_language_tags() -> None:
    assert validate_setting("language", "zh-CN") == "zh-CN"
    with pytest.raises(InvalidValue, match="language tag"):
        validate_setting("language", "Chinese please")


def test_the_extractor_knows_every_refusal_class() -> None:
    """A ReelbotError class the extractor doesn't recognise would keep its templates out of the catalogs."""
    import importlib
    import pkgutil

    from bot.i18n.extract import is_refusal
    from common.errors import ReelbotError

    for package in ("common", "storage", "generation", "prompts", "renderqueue", "studio"):
        for module in pkgutil.walk_packages(importlib.import_module(package).__path__, f"{package}."):
            importlib.import_module(module.name)

    def subclasses(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *subclasses(sub))]

    missed = sorted(c.__name__ for c in subclasses(ReelbotError) if not is_refusal(c.__name__))
    assert missed == []
