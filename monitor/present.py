"""How newswatch shows things to people: times in Asia/Ho_Chi_Minh, JSON shapes of the public interface."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def local_iso(value: datetime | str | None) -> str | None:
    """ISO 8601 with the +07:00 offset; stored times are UTC, people read Vietnamese time."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL)
    return value.astimezone(LOCAL).isoformat()


def text_time(value: datetime | str | None) -> str:
    """A time for people reading a terminal: +07:00, to the second (JSON keeps the full precision)."""
    shown = local_iso(value)
    return datetime.fromisoformat(shown).isoformat(timespec="seconds") if shown else "—"


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
