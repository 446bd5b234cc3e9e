"""The fake Discord checks bodies against Discord's OpenAPI spec (discord_fake/contract.py): what it catches,
the spec's quirks it handles on purpose, and what it does without the spec."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from discord_fake import FakeDiscord
from discord_fake.commands import CommandRegistry
from discord_fake.contract import Contract, ContractLog, ContractViolation, load_contract, spec_path
from discord_fake.models import FakeMessage, FakeUser, Snowflakes
from discord_fake.payloads import message_payload
from discord_fake.state import stored_components

BOT = FakeUser(2, "Reelbot", bot=True)


@pytest.fixture(scope="module")
def contract() -> Contract:
    loaded = load_contract()
    if loaded is None:
        pytest.skip(f"Discord's OpenAPI spec is not at {spec_path()}: the contract is not checked")
    return loaded


def message_reply(**changes: Any) -> dict[str, Any]:
    """A message as the fake returns it, with `changes` applied."""
    return {**message_payload(FakeMessage(3, 4, 5, BOT, content="hi"), me_id=BOT.id), **changes}


def found(violations: list[Any]) -> list[tuple[str, str]]:
    return [(v.path, v.rule) for v in violations]


async def test_a_body_against_the_spec_is_refused_and_fails_the_test(
    contract: Contract, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("discord_fake.contract.SESSION", ContractLog())  # this violation is not the suite's
    buttonless = {"content": "pick one", "components": [{"type": 1, "components": [
        {"type": 2, "label": "Remix", "custom_id": "remix"}]}]}  # a button without its style
    with pytest.raises(ContractViolation) as failure:
        async with FakeDiscord() as fake:
            channel = fake.add_guild().default_channel
            async with aiohttp.ClientSession(headers={"Authorization": f"Bot {fake.token}"}) as http:
                async with http.post(f"{fake.api_base}/channels/{channel.id}/messages", json=buttonless) as response:
                    assert response.status == 400
                    body = await response.json()
            # Refused as Discord refuses it: 50035 with the field under `errors`, and nothing posted.
            assert body["code"] == 50035
            assert body["errors"]["components"]["0"]["components"]["0"]["style"]["_errors"][0]["code"] == \
                "CONTRACT_REQUIRED"
            assert fake.messages == []
    report = str(failure.value)
    assert "create_message (POST /channels/{channel_id}/messages) request $.components[0].components[0].style: " \
           "required: 'style' is a required property" in report
    assert report.splitlines()[1].startswith("1 operations, 1 request bodies and 1 replies checked")
    assert "1 distinct violations" in report  # the 400 answering it is itself as Discord's


async def test_a_check_can_be_turned_off_for_a_test_that_sends_bad_bodies() -> None:
    async with FakeDiscord(check_contract=False) as fake:
        channel = fake.add_guild().default_channel
        async with aiohttp.ClientSession(headers={"Authorization": f"Bot {fake.token}"}) as http:
            async with http.post(f"{fake.api_base}/channels/{channel.id}/messages",
                                 json={"content": "x", "tts": "loud"}) as response:
                assert response.status == 200
    assert fake.contract.log.requests == 0


def test_replies_are_checked_against_the_response_schemas(contract: Contract) -> None:
    create = contract.operation("POST", "/channels/1/messages")
    assert create is not None and create.id == "create_message"
    assert contract.check_reply(create, 200, message_reply()) == []
    broken = message_reply(id=3, edited_timestamp=...)
    del broken["edited_timestamp"]
    assert sorted(found(contract.check_reply(create, 200, broken))) == [
        ("$.edited_timestamp", "required"),  # required but nullable: present as null
        ("$.id", "type"),  # snowflakes are strings in replies
    ]
    row = {"type": 1, "id": 1, "components": [{"type": 2, "id": 2, "style": 2, "label": "Remix", "custom_id": "r",
                                                 "emoji": {"id": None, "name": "🎬"}}]}
    assert found(contract.check_reply(create, 200, message_reply(components=[row]))) == [
        ("$.components[0].components[0].emoji.id", "type")]  # a Unicode emoji has no id: absent, not null
    assert found(contract.check_reply(create, 204, None)) == [("$", "status")]


def test_operations_are_matched_most_literal_first(contract: Contract) -> None:
    original = contract.operation("PATCH", "/webhooks/1/tok/messages/@original")
    other = contract.operation("PATCH", "/webhooks/1/tok/messages/99")
    assert (original.id, other.id) == ("update_original_webhook_message", "update_webhook_message")  # type: ignore[union-attr]
    assert contract.operation("POST", "/guilds/1/bans/2") is None  # Discord has no such operation


def test_requests_may_carry_integer_snowflakes(contract: Contract) -> None:
    create = contract.operation("POST", "/channels/1/messages")
    assert create is not None
    reply_to = {"content": "you said", "message_reference": {"message_id": 1234, "fail_if_not_exists": False}}
    assert contract.check_request(create, reply_to) == []
    assert found(contract.check_request(create, {"content": "x", "message_reference": {"message_id": -1}})) == [
        ("$.message_reference.message_id", "minimum")]


@pytest.mark.parametrize("method, path", [
    ("POST", "/channels/1/messages"), ("PATCH", "/channels/1/messages/2"),
    ("POST", "/webhooks/1/tok"), ("PATCH", "/webhooks/1/tok/messages/@original"),
])
def test_a_bots_content_is_2000_characters_and_embeds_6000_in_all(contract: Contract, method: str, path: str) -> None:
    operation = contract.operation(method, path)
    assert operation is not None
    assert contract.check_request(operation, {"content": "x" * 2000}) == []
    assert found(contract.check_request(operation, {"content": "x" * 2001})) == [("$.content", "maxLength")]
    embeds = [{"title": "t" * 256, "description": "d" * 4096}, {"description": "d" * 1647}]  # 5,999
    assert contract.check_request(operation, {"embeds": embeds}) == []
    embeds[1]["fields"] = [{"name": "n", "value": "v"}]  # 6,001
    [violation] = contract.check_request(operation, {"embeds": embeds})
    assert (violation.path, violation.rule) == ("$.embeds", "embed total")
    assert "6001" in violation.message


def test_interaction_callbacks_and_their_resources(contract: Contract) -> None:
    callback = contract.operation("POST", "/interactions/1/tok/callback")
    assert callback is not None
    big = [{"description": "d" * 4096}, {"description": "d" * 2000}]
    assert found(contract.check_request(callback, {"type": 4, "data": {"embeds": big}})) == [
        ("$.data.embeds", "embed total")]
    assert found(contract.check_request(callback, {"type": 4, "data": {"content": "x" * 2001}})) == [
        ("$.data.content", "maxLength")]
    interaction = {"id": "7", "type": 2, "response_message_id": "3", "response_message_loading": True,
                   "response_message_ephemeral": False}
    deferred = {"interaction": interaction, "resource": {"type": 5, "message": message_reply(flags=128)}}
    modal = {"interaction": {"id": "7", "type": 2}, "resource": {"type": 9}}
    assert contract.check_reply(callback, 200, deferred) == []
    assert contract.check_reply(callback, 200, modal) == []
    assert found(contract.check_reply(callback, 200, {**modal, "resource": {"type": 6}})) == [("$.resource.type", "enum")]


def test_command_sync_replies_are_discords_shapes_not_the_requests(contract: Contract) -> None:
    sync = contract.operation("PUT", "/applications/1/commands")
    assert sync is not None
    sent = {"name": "video", "description": "Make a clip", "type": 1, "default_member_permissions": 32,
            "integration_types": None, "contexts": None, "options": [
                {"name": "prompt", "description": "What", "type": 3, "required": True, "choices": None}]}
    assert contract.check_request(sync, [sent]) == []
    assert sorted(found(contract.check_reply(sync, 200, [{**sent, "id": "9", "application_id": "1", "version": "1"}]))) == [
        ("$[0].default_member_permissions", "type"), ("$[0].integration_types", "type"),
        ("$[0].options[0].choices", "type")]


def test_without_the_spec_nothing_is_checked_and_the_reason_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="discord_fake.contract"):
        assert load_contract(tmp_path / "openapi.json") is None
    assert f"Discord's OpenAPI spec is not at {tmp_path / 'openapi.json'}" in caplog.text


def test_the_fake_returns_discords_shapes_not_the_bots() -> None:
    """The shapes the contract check found wrong, pinned without the spec (users cloning have none)."""
    row = {"type": 1, "components": [
        {"type": 2, "style": 2, "custom_id": "a", "emoji": {"id": None, "name": "🎬"}, "url": None},
        {"type": 2, "id": 2, "style": 1, "custom_id": "b"}]}
    assert stored_components([row]) == [{"type": 1, "id": 1, "components": [
        {"type": 2, "id": 3, "style": 2, "custom_id": "a", "emoji": {"name": "🎬"}},
        {"type": 2, "id": 2, "style": 1, "custom_id": "b"}]}]
    registry = CommandRegistry(Snowflakes(), app_id=1)
    [command] = registry.overwrite(None, [{
        "name": "video", "description": "Make a clip", "type": 1, "default_member_permissions": 32,
        "integration_types": None, "contexts": None,
        "options": [{"name": "prompt", "description": "What", "type": 3, "required": True, "choices": None}]}])
    assert (command["default_member_permissions"], command["integration_types"]) == ("32", [0])
    assert command["options"] == [{"name": "prompt", "description": "What", "type": 3, "required": True}]
