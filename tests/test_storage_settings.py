from __future__ import annotations

import dataclasses

import pytest

from common.errors import InvalidValue
from storage.records import GuildSettings
from storage.settings import SETTING_NAMES, get_settings, reset_setting, set_setting, upsert_guild



def test_defaults_without_overrides(db):
    assert get_settings(db, 1) == GuildSettings()
    assert get_settings(db, None) == GuildSettings()
    assert set(SETTING_NAMES) == {field.name for field in dataclasses.fields(GuildSettings)}


def test_text_values_are_parsed_to_the_declared_types(db):
    upsert_guild(db, 1, "Film club")
    set_setting(db, 1, "max_queued_per_user", "5", by_user_id=9)
    set_setting(db, 1, "allow_remix", "no")
    set_setting(db, 1, "allowed_channels", "<#123>, 456")
    set_setting(db, 1, "blocklist", "gore, spiders")
    set_setting(db, 1, "default_model", "wan-1.3b")
    settings = get_settings(db, 1)
    assert settings.max_queued_per_user == 5
    assert settings.allow_remix is False
    assert settings.allowed_channels == [123, 456]
    assert settings.blocklist == ["gore", "spiders"]
    assert settings.default_model == "wan-1.3b"
    assert get_settings(db, 2) == GuildSettings(), "settings are per guild"


def test_typed_values_are_accepted_as_is(db):
    assert set_setting(db, 1, "upload_limit", 25 * 1024 * 1024).upload_limit == 25 * 1024 * 1024
    assert set_setting(db, 1, "allow_remix", False).allow_remix is False


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("no_such_thing", "1", "no setting called `no_such_thing`"),
        ("max_queued_per_user", "lots", "whole number"),
        ("max_queued_per_user", "0", "between 1 and 50"),
        ("safety_level", "wild", "one of: off, standard, strict"),
        ("allow_remix", "maybe", "yes or no"),
        ("allowed_channels", "general", "list of ids"),
        ("max_shots", 9, "between 1 and 6"),
        ("allow_remix", 1, "wrong type"),
        # The round's probes: a path stored as a model, a negative role id mentioned as <@&-1>, a number past
        # Python's 4,300-digit limit.
        ("default_model", "../../etc/passwd", "name of a model"),
        ("default_model", "", "name of a model"),
        ("moderator_roles", "-1", "must list roles"),
        ("moderator_roles", "<@&0>", "must list roles"),
        ("allowed_channels", str(2**63), "must list channels"),
        ("max_shots", "9" * 5000, "whole number"),
    ],
)
def test_invalid_values_are_refused_with_a_helpful_message(db, key, value, fragment):
    with pytest.raises(InvalidValue) as raised:
        set_setting(db, 1, key, value)
    assert fragment in raised.value.user_message
    assert get_settings(db, 1) == GuildSettings()


def test_reset_restores_the_default(db):
    set_setting(db, 1, "safety_level", "strict")
    set_setting(db, 1, "max_queued_per_guild", 50)
    assert set_setting(db, 1, "safety_level", "default").safety_level == "standard"
    assert reset_setting(db, 1, "max_queued_per_guild").max_queued_per_guild == GuildSettings().max_queued_per_guild


def test_stored_value_that_no_longer_validates_falls_back_to_default(db):
    set_setting(db, 1, "max_shots", 3)
    db.execute("UPDATE guild_settings SET value = '99' WHERE key = 'max_shots'")
    assert get_settings(db, 1).max_shots == GuildSettings().max_shots


def test_a_stored_path_as_model_falls_back_to_the_default(db):
    set_setting(db, 1, "default_model", "wan-1.3b")
    db.execute("UPDATE guild_settings SET value = ? WHERE key = 'default_model'", ('"../../etc/passwd"',))
    assert get_settings(db, 1).default_model is None
