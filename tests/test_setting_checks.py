"""Settings are checked against what they name, at the door (studio.setting_checks.py)."""
from __future__ import annotations

import dataclasses

import pytest

from common.errors import InvalidValue
from storage.records import GuildSettings
from studio.setting_checks import ServerFacts, check_server_setting, usable

GUILD = ServerFacts.of(role_ids={10, 11}, channel_ids={20, 21})


@pytest.mark.parametrize(("key", "value", "code", "said"), [
    ("default_model", "wan-9000", "unknown_model", "There is no model called `wan-9000`. Models: tiny-wan,"),
    ("moderator_roles", [10, 12], "unknown_role", "This server has no role with the id 12."),
    ("allowed_channels", [99], "unknown_channel", "This server has no channel with the id 99."),
])
def test_names_of_things_that_do_not_exist_are_refused(key: str, value: object, code: str, said: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        check_server_setting(key, value, GUILD)
    assert raised.value.code == code and raised.value.user_message.startswith(said)


def test_real_names_pass_and_the_console_checks_models_only() -> None:
    for key, value in (("default_model", "tiny"), ("default_model", "wan-1.3b"), ("moderator_roles", [11]),
                       ("allowed_channels", [20, 21]), ("default_model", None)):
        check_server_setting(key, value, GUILD)
    check_server_setting("moderator_roles", [12345], None)
    with pytest.raises(InvalidValue):
        check_server_setting("default_model", "nope", None)


def test_a_model_stored_before_the_check_falls_back_to_the_bots_default() -> None:
    stored = dataclasses.replace(GuildSettings(), default_model="wan-9000")
    assert usable(stored).default_model is None and usable(GuildSettings()) == GuildSettings()
