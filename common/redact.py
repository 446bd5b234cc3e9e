"""Secrets never reach a log: a logging filter that replaces the Discord token and every configured key
with "[redacted]" in messages, their arguments, tracebacks and stack traces, whichever logger wrote them.

`install_redaction(secrets)` puts the filter on every handler of the root logger (handler filters see
records propagated from every logger, unlike logger filters); call it once logging is configured. It also
holds the secrets for `secrets_held`, so that text coming back from an endpoint is redacted before it is
stored or shown (`common.intake.from_endpoint`), not only before it is logged.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

REDACTED = "[redacted]"
# Shorter values are not secrets worth the false hits (and would redact common words).
MIN_SECRET_CHARS = 8
_HELD: set[str] = set()


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret (longest first, so one containing another is replaced whole) redacted."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) >= MIN_SECRET_CHARS:
            text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record in place with its secrets redacted; never drops a record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = tuple(s for s in {s.strip() for s in secrets} if len(s) >= MIN_SECRET_CHARS)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        record.msg = redact(record.getMessage(), self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def hold_secrets(secrets: Iterable[str]) -> None:
    """Remember `secrets` (the Discord token, LLM keys) for `secrets_held`, for the life of the process."""
    _HELD.update(s for s in (str(s or "").strip() for s in secrets) if len(s) >= MIN_SECRET_CHARS)


def secrets_held() -> tuple[str, ...]:
    """Every secret this process was given with `hold_secrets` or `install_redaction`."""
    return tuple(_HELD)


def install_redaction(secrets: Iterable[str], logger: logging.Logger | None = None) -> RedactingFilter:
    """Redact `secrets` from everything `logger`'s handlers (default: the root logger's) write, and hold
    them for `secrets_held`."""
    secrets = tuple(secrets)
    hold_secrets(secrets)
    redacting = RedactingFilter(secrets)
    for handler in (logger or logging.getLogger()).handlers:
        handler.addFilter(redacting)
    return redacting
