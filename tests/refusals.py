"""`refused(code)`: the test form of "this is refused, for this reason", by the error's stable code."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from common.errors import ReelbotError


@contextmanager
def refused(code: str, kind: type[ReelbotError] = ReelbotError) -> Iterator[pytest.ExceptionInfo[ReelbotError]]:
    """Expect a `kind` of ReelbotError with `code` (never its English text, which translations change)."""
    with pytest.raises(kind) as raised:
        yield raised
    assert raised.value.code == code, f"refused as {raised.value.code!r} ({raised.value.user_message}), not {code!r}"
