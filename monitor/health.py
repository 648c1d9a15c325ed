"""Crawl health: what a run measured, and the rules judging it against the site's own recent runs.

Pure functions over plain records (storage.records.RunMetrics, Assessment); the crawl feeds them
Scrapy's stats, the store keeps what they decide. The rules, each in one place:
- no article links at all on the listing pages → broken;
- a profile selector that matched below `selector_below` (50%) of the run's articles after it
  matched above `selector_was` (90%) in one of the last `history_runs` runs → degraded; it stays
  a problem while it matches below that, however long ago it last matched well;
- failures above `failures_degraded` (20%) of the run's requests → degraded, above
  `failures_broken` (50%) → broken.
A site's health alert is sent when the verdict differs from the previous run's (`announce`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crawler import health_stats
from crawler.profile import Selectors
from storage.records import Assessment, RunHealth, RunMetrics, Verdict

# The article fields a profile selector reads (the source's field name → the selector's key).
SELECTOR_OF_FIELD = {
    "title": "title",
    "lead": "lead",
    "body": "body",
    "author": "author",
    "category": "category",
    "published_at": "published",
    "modified_at": "modified",
    "related": "related",
}
SEVERITY: tuple[Verdict, ...] = ("ok", "degraded", "broken")


@dataclass(frozen=True)
class HealthRules:
    """The thresholds of the rules ([health] in the configuration, defaults in config_keys)."""

    history_runs: int
    min_articles: int
    selector_was: float
    selector_below: float
    failures_degraded: float
    failures_broken: float


def metrics_from_stats(
    stats: Mapping[str, Any],
    selectors: Selectors,
    *,
    source_changed: Mapping[str, int] | None = None,
    sources_before: Mapping[str, Mapping[str, int]] | None = None,
) -> RunMetrics:
    """What a run measured, from its crawler's stats (crawler.health_stats) and the recorder's
    count of fields read from elsewhere than before."""
    return RunMetrics(
        listed=int(stats.get(health_stats.LISTED_STAT, 0)),
        pages=int(stats.get(health_stats.PAGES_STAT, 0)),
        requests=int(stats.get("downloader/request_count", 0)),
        articles=int(stats.get(health_stats.ARTICLES_STAT, 0)),
        failures=int(stats.get(health_stats.FAILURES_STAT, 0)),
        field_sources=health_stats.field_sources(stats),
        profiled=tuple(name for name, key in SELECTOR_OF_FIELD.items() if getattr(selectors, key)),
        failure_reasons=health_stats.failure_reasons(stats),
        source_changed=dict(source_changed or {}),
        sources_before={name: dict(before) for name, before in (sources_before or {}).items()},
    )


def hit_rates(metrics: RunMetrics) -> dict[str, float]:
    """field → share of the run's articles its profile selector matched (fields with a selector);
    empty for a run that read no article."""
    if not metrics.articles:
        return {}
    return {name: round(metrics.field_sources.get(name, {}).get(health_stats.SELECTOR, 0)
                        / metrics.articles, 4)
            for name in metrics.profiled}


def fallback_rates(metrics: RunMetrics) -> dict[str, float]:
    """field → share of the run's articles it was read from metadata or a generic rule."""
    if not metrics.articles:
        return {}
    return {name: round(sum(n for kind, n in kinds.items() if kind in health_stats.FALLBACKS)
                        / metrics.articles, 4)
            for name, kinds in sorted(metrics.field_sources.items())}


def failure_rate(metrics: RunMetrics) -> float:
    return metrics.failures / max(metrics.requests, metrics.failures, 1)


def _percent(share: float) -> str:
    return f"{share:.0%}"


def assess(current: RunMetrics, recent: Sequence[RunHealth], rules: HealthRules) -> Assessment:
    """The verdict on a run, against the site's previous assessed runs (newest first)."""
    found: list[tuple[Verdict, str, str]] = []  # (verdict, rule key, problem)
    if current.listed == 0:
        # "no links" alone reads like a redesign; a site that answered nothing is likelier down
        failed = f"{current.failures} failed request{'s' if current.failures > 1 else ''}"
        hint = (f" ({failed}, no page read: is the site reachable?)"
                if current.pages == 0 and current.failures else "")
        found.append(("broken", "links", f"no article links found on the listing pages{hint}"))
    found.extend(_selector_problems(current, recent[: rules.history_runs], rules))
    rate = failure_rate(current)
    if current.failures and rate > rules.failures_degraded:
        verdict: Verdict = "broken" if rate > rules.failures_broken else "degraded"
        # the reasons are the run's own lines (crawl's output, the alert's figures)
        found.append((verdict, "failures", f"{current.failures} of {current.requests} requests failed "
                      f"({_percent(rate)})"))
    if not found:
        return Assessment("ok")
    worst = max((verdict for verdict, _, _ in found), key=SEVERITY.index)
    return Assessment(worst, tuple(p for _, _, p in found), tuple(k for _, k, _ in found))


def selector_key(name: str) -> str:
    return f"selector:{name}"


def _selector_problems(
    current: RunMetrics, recent: Sequence[RunHealth], rules: HealthRules
) -> list[tuple[Verdict, str, str]]:
    previous = recent[0].assessment if recent else None
    if current.articles < rules.min_articles:
        # too few articles to tell: the selectors that had stopped matching are still a problem
        return [("degraded", key, problem) for key, problem in
                zip(previous.tripped, previous.problems, strict=True)
                if key.startswith(selector_key(""))] if previous else []
    flagged_before = set(previous.tripped) if previous else set()
    problems: list[tuple[Verdict, str, str]] = []
    for name, rate in hit_rates(current).items():
        if rate >= rules.selector_below:
            continue
        earlier = [hit_rates(run.metrics).get(name) for run in recent
                   if run.metrics.articles >= rules.min_articles]
        was = max((r for r in earlier if r is not None), default=None)
        if (was is not None and was > rules.selector_was) or selector_key(name) in flagged_before:
            before = f", was {_percent(was)}" if was is not None else ""
            problems.append(("degraded", selector_key(name),
                             f"selector for {name} matched {_percent(rate)} of {current.articles} "
                             f"articles{before}"))
    return problems


def stopped_selectors(assessment: Assessment) -> list[str]:
    """The fields whose selector stopped matching, as the assessment names them."""
    prefix = selector_key("")
    return [key[len(prefix):] for key in assessment.tripped if key.startswith(prefix)]


def previous_verdict(recent: Sequence[RunHealth]) -> Verdict:
    """What the site was before this run: ok while it has no assessed run."""
    return recent[0].assessment.verdict if recent else "ok"


def announce(previous: Verdict, current: Verdict) -> bool:
    """A health alert is due when the verdict changed: a site went wrong, worse, or recovered."""
    return previous != current
