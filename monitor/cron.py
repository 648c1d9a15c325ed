"""Cron expressions for `newswatch schedule`, read by APScheduler: five crontab fields, or six."""

from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger


class CronError(ValueError):
    """Not a cron expression newswatch can schedule by."""


def cron_trigger(expression: str, timezone: str) -> CronTrigger:
    """Five crontab fields, or six with seconds first (handy for testing a schedule quickly)."""
    fields = expression.split()
    try:
        if len(fields) == 5:
            return CronTrigger.from_crontab(expression, timezone=timezone)
        if len(fields) == 6:
            second, minute, hour, day, month, day_of_week = fields
            return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                               day_of_week=day_of_week, timezone=timezone)
    except (ValueError, LookupError) as exc:
        raise CronError(f"{expression!r} is not a valid cron expression ({exc})") from exc
    raise CronError(f"{expression!r} needs 5 fields (or 6 with seconds first)")
