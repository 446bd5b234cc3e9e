"""Discord's contract, checked on the wire: every REST request body the bot sends to the fake is validated
against the request schema of the matching operation in Discord's official OpenAPI spec, and every reply
the fake returns against the response schema for its status. Validation is jsonschema (draft 2020-12,
OpenAPI 3.1's dialect) with `referencing` resolving the spec's `$ref`s; compiled validators are cached per
process, per operation and status.

The spec is `shared/discord/openapi.json` beside the repository (``../shared`` from the repo root: Discord's
MIT-licensed "Discord HTTP API (Preview)", https://github.com/discord/discord-api-spec), or the file named
by REELBOT_DISCORD_OPENAPI. Users cloning the project don't have it: then nothing is checked and the reason
is logged once (and shown in pytest's summary).

Known gaps between the spec and what Discord does, handled here on purpose (each a function below):

- Snowflakes: the spec types them as strings (``SnowflakeType``). Replies carry strings, but Discord accepts
  integers in requests (discord.py sends ``message_reference.message_id`` as an int), so request schemas
  accept a non-negative integer too. Replies must carry strings.
- Message content: the spec allows 4,000 characters in MessageCreateRequest and MessageEditRequestPartial
  (a Nitro user's limit); for bots Discord's limit is 2,000, so request schemas say 2,000.
- Embeds: the 6,000-character total over all embeds of a message (title, description, field names and
  values, footer text, author name) is not in the spec; it is checked on every message body.
- Field errors: a 400 "Invalid Form Body" names each field's rule with a string code
  (``{"_errors": [{"code": "BASE_TYPE_REQUIRED", "message": ...}]}``, as Discord's docs show); the spec
  reuses its integer-coded Error object there, so replies' field errors take string codes.
- Interaction callback replies: the ``resource`` union only lists types 4 (message), 7 (updated message)
  and 12 (activity), though Discord answers ``?with_response=1`` with resource types 5 (a deferred
  response, with its loading message) and 9 (a modal, no message) too: type 4's enum gains 5, and the
  union gains a branch for 9.

Spec formats (``date-time``, ``uri``, ``snowflake``) are annotations here; snowflakes are enforced by the
spec's own pattern.
"""

from __future__ import annotations

import copy
import functools
import heapq
import json
import logging
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match, relevance
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from .models import CONTENT_LIMIT, EMBED_TOTAL_LIMIT, embed_size

log = logging.getLogger(__name__)

# tests/discord_fake/contract.py -> parents[2] is the repository root; ../shared sits beside it.
DEFAULT_SPEC = Path(__file__).resolve().parents[3] / "shared" / "discord" / "openapi.json"
SPEC_ENV = "REELBOT_DISCORD_OPENAPI"
_REQUEST_URI, _REPLY_URI = "urn:discord-openapi:request", "urn:discord-openapi:reply"
_METHODS = ("get", "put", "post", "patch", "delete")
# Schemas whose `content` carries the 4,000-character Nitro limit instead of a bot's 2,000.
_NITRO_CONTENT = ("MessageCreateRequest", "MessageEditRequestPartial", "BaseCreateMessageCreateRequest")


@dataclass(frozen=True)
class Operation:
    """One operation of the spec: its operationId (e.g. "create_message"), method and path template."""

    id: str
    method: str
    template: str
    spec: dict[str, Any] = field(repr=False, compare=False, hash=False)

    def __str__(self) -> str:
        return f"{self.id} ({self.method} {self.template})"


@dataclass(frozen=True)
class Violation:
    """A body that breaks the contract: which operation, request or reply, where (a JSONPath into the
    body, "$" for the whole of it), the schema keyword it broke (the rule) and jsonschema's words."""

    operation: str
    direction: str  # "request" or "reply <status>"
    path: str
    rule: str
    message: str
    keys: tuple[str, ...] = ()  # the path as keys and indices, for Discord's nested `errors`

    @property
    def kind(self) -> tuple[str, str, str, str]:
        """The same fault in every list element counts once: indices are dropped from the path."""
        return self.operation, self.direction.split()[0], re.sub(r"\[\d+\]", "[]", self.path), self.rule

    def __str__(self) -> str:
        return f"{self.operation} {self.direction} {self.path}: {self.rule}: {self.message}"


class Contract:
    """Discord's REST operations from the spec, with cached validators for their request and reply bodies.

    `spec` is the parsed openapi.json; it is not modified (the quirks apply to copies)."""

    def __init__(self, spec: dict[str, Any]):
        self._operations = _operations(spec)
        self._registries = {
            _REQUEST_URI: _registry(_REQUEST_URI, _request_side(spec)),
            _REPLY_URI: _registry(_REPLY_URI, _reply_side(spec)),
        }
        self._validators: dict[str, Draft202012Validator] = {}

    def operation(self, method: str, path: str) -> Operation | None:
        """The operation serving `method` on `path` (relative to /api/v10), None when Discord has none."""
        for op_method, pattern, operation in self._operations:
            if op_method == method and pattern.match(path):
                return operation
        return None

    def check_request(self, operation: Operation, body: Any) -> list[Violation]:
        """Violations of the request body (the JSON body, or a multipart body's payload_json)."""
        request = operation.spec.get("requestBody")
        if request is None:
            return [] if body is None else [Violation(str(operation), "request", "$", "requestBody",
                                                      "Discord's operation takes no body")]
        if body is None:
            return [Violation(str(operation), "request", "$", "required", "a body is required")] \
                if request.get("required") else []
        pointer = f"/paths/{_escape(operation.template)}/{operation.method.lower()}/requestBody"
        violations = self._check(_REQUEST_URI, pointer, request, body, str(operation), "request")
        violations += [Violation(str(operation), "request", path, "embed total", message, keys)
                       for path, keys, message in _embed_totals(body)]
        return violations

    def check_reply(self, operation: Operation, status: int, body: Any) -> list[Violation]:
        """Violations of the reply the fake gives with `status` (a body of None: no body)."""
        direction = f"reply {status}"
        key = next((k for k in (str(status), f"{str(status)[0]}XX", "default") if k in operation.spec["responses"]), None)
        if key is None:
            return [Violation(str(operation), direction, "$", "status",
                              f"Discord answers {sorted(operation.spec['responses'])}, not {status}")]
        response = operation.spec["responses"][key]
        pointer = f"/paths/{_escape(operation.template)}/{operation.method.lower()}/responses/{key}"
        while "$ref" in response:  # shared responses live in components/responses
            pointer = response["$ref"][1:]
            response = self._resolve(pointer)
        if body is None:
            return [Violation(str(operation), direction, "$", "content", "Discord sends a body here")] \
                if "content" in response else []
        if "content" not in response:
            return [Violation(str(operation), direction, "$", "content", "Discord sends no body here")]
        return self._check(_REPLY_URI, pointer, response, body, str(operation), direction)

    def _check(
        self, uri: str, pointer: str, holder: dict[str, Any], body: Any, operation: str, direction: str
    ) -> list[Violation]:
        if "application/json" not in holder.get("content", {}):
            return []
        validator = self._validator(uri, f"{pointer}/content/application~1json/schema")
        return [_violation(error, operation, direction) for error in validator.iter_errors(body)]

    def _validator(self, uri: str, pointer: str) -> Draft202012Validator:
        key = f"{uri}#{pointer}"
        validator = self._validators.get(key)
        if validator is None:
            validator = Draft202012Validator({"$ref": key}, registry=self._registries[uri])
            self._validators[key] = validator
        return validator

    def _resolve(self, pointer: str) -> dict[str, Any]:
        return self._registries[_REPLY_URI].resolver(_REPLY_URI).lookup(f"#{pointer}").contents


@dataclass
class ContractLog:
    """What one FakeDiscord checked, and what broke the contract (shown when the fake closes)."""

    operations: Counter[str] = field(default_factory=Counter)  # operationId -> requests checked
    requests: int = 0  # request bodies checked
    replies: int = 0  # replies checked (bodies and empty 204s)
    unchecked: int = 0  # requests to paths with no operation in the spec (the fake answers 404)
    violations: list[Violation] = field(default_factory=list)
    seconds: float = 0.0  # CPU time spent validating (time.thread_time: the fake runs in the test's thread)

    def add(self, other: ContractLog) -> None:
        self.operations.update(other.operations)
        self.requests += other.requests
        self.replies += other.replies
        self.unchecked += other.unchecked
        self.violations += other.violations
        self.seconds += other.seconds

    def distinct(self) -> dict[tuple[str, str, str, str], list[Violation]]:
        kinds: dict[tuple[str, str, str, str], list[Violation]] = {}
        for violation in self.violations:
            kinds.setdefault(violation.kind, []).append(violation)
        return kinds

    def summary(self) -> str:
        return (f"{len(self.operations)} operations, {self.requests} request bodies and {self.replies} replies "
                f"checked against Discord's OpenAPI spec in {self.seconds:.2f}s; "
                f"{len(self.distinct())} distinct violations ({len(self.violations)} in all)")

    def report(self) -> str:
        lines = [self.summary()]
        if self.operations:
            lines.append("  operations: " + ", ".join(f"{name} {count}" for name, count in sorted(self.operations.items())))
        for kind, found in self.distinct().items():
            lines.append(f"  {found[0]}" + (f"  (x{len(found)})" if len(found) > 1 else ""))
        return "\n".join(lines)


class ContractViolation(AssertionError):
    """The bot sent, or the fake answered, something Discord's contract does not allow."""


# Every check of this process (all FakeDiscords), for pytest's terminal summary.
SESSION = ContractLog()


class Checker:
    """The hook the fake's REST layer calls: checks one exchange, records it in `log` and in SESSION."""

    def __init__(self, contract: Contract | None):
        self.contract = contract
        self.log = ContractLog()

    def request(self, method: str, path: str, body: Any) -> tuple[Operation | None, list[Violation]]:
        if self.contract is None:
            return None, []
        started = time.thread_time()
        operation = self.contract.operation(method, path)
        if operation is None:
            self._tally(unchecked=1)
            return None, []
        violations = self.contract.check_request(operation, body)
        self._tally(operation=operation.id, requests=int(body is not None), violations=violations,
                    seconds=time.thread_time() - started)
        return operation, violations

    def reply(self, operation: Operation | None, status: int, body: Any) -> list[Violation]:
        if self.contract is None or operation is None:
            return []
        started = time.thread_time()
        violations = self.contract.check_reply(operation, status, body)
        self._tally(replies=1, violations=violations, seconds=time.thread_time() - started)
        return violations

    def _tally(self, *, operation: str | None = None, requests: int = 0, replies: int = 0, unchecked: int = 0,
               violations: Sequence[Violation] = (), seconds: float = 0.0) -> None:
        for log_ in (self.log, SESSION):
            if operation is not None:
                log_.operations[operation] += 1
            log_.requests += requests
            log_.replies += replies
            log_.unchecked += unchecked
            log_.violations += violations
            log_.seconds += seconds


def spec_path() -> Path:
    return Path(os.environ.get(SPEC_ENV) or DEFAULT_SPEC)


@functools.lru_cache(maxsize=4)
def load_contract(path: Path | None = None) -> Contract | None:
    """The contract from `path` (default: spec_path()), parsed once per process; None, with the reason
    logged once, when the file is absent."""
    path = path or spec_path()
    if not path.is_file():
        log.warning("Discord's OpenAPI spec is not at %s (set %s or put Discord's openapi.json there): the fake "
                    "Discord does not check bodies against Discord's contract", path, SPEC_ENV)
        return None
    return Contract(json.loads(path.read_text(encoding="utf-8")))


def skip_reason() -> str | None:
    """Why nothing is checked in this process, or None when the spec is there."""
    path = spec_path()
    return None if path.is_file() else f"Discord's OpenAPI spec is not at {path}"


# -- the spec's quirks ---------------------------------------------------------------------------------
def _request_side(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec as Discord applies it to what bots send: integer snowflakes, 2,000-character content."""
    spec = copy.deepcopy(spec)
    schemas = spec["components"]["schemas"]
    snowflake = schemas["SnowflakeType"]
    schemas["SnowflakeType"] = {"anyOf": [snowflake, {"type": "integer", "minimum": 0}]}
    for name in _NITRO_CONTENT:
        content = schemas.get(name, {}).get("properties", {}).get("content")
        if content is not None:
            content["maxLength"] = CONTENT_LIMIT
    return spec


def _reply_side(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec as Discord's replies follow it: callback resources of types 5 (the deferred response's
    loading message, shaped as type 4's) and 9 (a modal: no message); field errors with string codes."""
    spec = copy.deepcopy(spec)
    schemas = spec["components"]["schemas"]
    schemas["CreateMessageInteractionCallbackResponse"]["properties"]["type"]["enum"] = [4, 5]
    schemas["InteractionCallbackResponse"]["properties"]["resource"]["oneOf"].append({
        "type": "object", "properties": {"type": {"type": "integer", "enum": [9]}},
        "required": ["type"], "not": {"required": ["message"]},
    })
    schemas["InnerErrors"]["properties"]["_errors"]["items"] = {
        "type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        "required": ["code", "message"],
    }
    return spec


def _embed_totals(body: Any) -> Iterator[tuple[str, tuple[str, ...], str]]:
    """The 6,000-character total of a message's embeds, for a message body or a callback's `data`:
    (JSONPath, keys, message) for each message over it."""
    if not isinstance(body, dict):
        return
    for keys, message in (((), body), (("data",), body.get("data"))):
        embeds = message.get("embeds") if isinstance(message, dict) else None
        if isinstance(embeds, list) and all(isinstance(e, dict) for e in embeds) \
                and (size := embed_size(embeds)) > EMBED_TOTAL_LIMIT:
            path = "$" + "".join(f".{key}" for key in (*keys, "embeds"))
            yield path, (*keys, "embeds"), f"the embeds total {size} characters; Discord allows {EMBED_TOTAL_LIMIT}"


# -- plumbing ------------------------------------------------------------------------------------------
def _operations(spec: dict[str, Any]) -> list[tuple[str, re.Pattern[str], Operation]]:
    """(METHOD, path regex, operation), most literal templates first, so /messages/@original wins over
    /messages/{message_id}."""
    found = []
    for template, item in spec["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$")
        for method in _METHODS:
            if method in item:
                operation = Operation(item[method]["operationId"], method.upper(), template, item[method])
                found.append((method.upper(), pattern, operation))
    found.sort(key=lambda entry: -sum(not part.startswith("{") for part in entry[2].template.split("/")))
    return found


def _registry(uri: str, spec: dict[str, Any]) -> Registry:
    _dispatch_unions(spec)
    return Registry().with_resource(uri, Resource.from_contents(spec, default_specification=DRAFT202012))


def _dispatch_unions(spec: dict[str, Any]) -> None:
    """Rewrite, in place, every oneOf/anyOf whose branches are object schemas told apart by a required
    integer `type` (components, command options, callbacks) into a dispatch on `type`, and every oneOf
    of named constants into an enum: the same instances are valid, only the matching branch is
    validated (several times faster on messages), and an error comes from that branch instead of
    jsonschema's guess at which branch was meant."""
    schemas = spec["components"]["schemas"]

    def type_values(ref: Any) -> list[Any] | None:
        if not isinstance(ref, dict) or set(ref) != {"$ref"} or not ref["$ref"].startswith("#/components/schemas/"):
            return None
        target = schemas.get(ref["$ref"].rsplit("/", 1)[1], {})
        kind = target.get("properties", {}).get("type", {})
        values = kind.get("enum", [kind["const"]] if "const" in kind else None)
        return values if values and "type" in target.get("required", ()) else None

    def rewrite(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                rewrite(item)
            return
        if not isinstance(node, dict):
            return
        for item in node.values():
            rewrite(item)
        for keyword in ("oneOf", "anyOf"):
            branches = node.get(keyword)
            if isinstance(branches, list) and branches and all(
                    isinstance(b, dict) and "const" in b and set(b) <= {"const", "title", "description"}
                    for b in branches):
                del node[keyword]  # an enum written as named constants
                node["enum"] = [branch["const"] for branch in branches]
                continue
            values = [type_values(branch) for branch in branches] if isinstance(branches, list) else [None]
            if None in values or len(branches) < 2:
                continue
            flat = [v for group in values for v in group]  # type: ignore[union-attr]
            if len(flat) != len(set(flat)):
                continue  # branches overlap: keep the union as it is
            del node[keyword]
            node.setdefault("allOf", []).append({
                "type": "object", "required": ["type"], "properties": {"type": {"enum": flat}},
                "allOf": [{"if": {"properties": {"type": {"enum": group}}}, "then": branch}
                          for group, branch in zip(values, branches)],  # type: ignore[arg-type]
            })

    rewrite(spec)


def _escape(template: str) -> str:
    """A path template as a JSON pointer token (RFC 6901)."""
    return template.replace("~", "~0").replace("/", "~1")


def _violation(error: ValidationError, operation: str, direction: str) -> Violation:
    """The most specific reason: inside anyOf/oneOf, the branch that came closest (jsonschema's
    best_match), also when every branch failed the same way (the same rule at the same place)."""
    leaf = best_match([error])
    while leaf.context:
        first, *others = heapq.nsmallest(2, leaf.context, key=relevance)
        if others and relevance(first) == relevance(others[0]) and \
                (first.absolute_path, first.validator) != (others[0].absolute_path, others[0].validator):
            break
        leaf = first
    message = leaf.message if len(leaf.message) <= 200 else leaf.message[:197] + "..."
    keys = tuple(str(key) for key in leaf.absolute_path)
    path = leaf.json_path
    if leaf.validator == "required" and (missing := re.fullmatch(r"'(.+)' is a required property", leaf.message)):
        path, keys = f"{path}.{missing.group(1)}", (*keys, missing.group(1))  # name the missing field
    return Violation(operation, direction, path, str(leaf.validator), message, keys)
