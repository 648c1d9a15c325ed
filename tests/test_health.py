"""Crawl health: the counts a crawl keeps in Scrapy's stats, the rules that judge a run against
the site's own recent runs (pure, no database), and the verdicts the store keeps."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.health_stats import (
    ARTICLES_STAT,
    FAILURES_STAT,
    LISTED_STAT,
    PAGES_STAT,
    HealthStatsPipeline,
    source_kind,
)
from crawler.profile import Selectors
from crawler.records import Article, FetchedArticle, FetchFailed, NotModified
from monitor.config import ConfigError, health_rules, load
from monitor.health import (
    HealthRules,
    announce,
    assess,
    fallback_rates,
    hit_rates,
    metrics_from_stats,
    previous_verdict,
    stopped_selectors,
)
from storage import Store
from storage.records import Assessment, RunHealth, RunMetrics

T0 = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
RULES = health_rules()
PROFILED = ("title", "lead", "body", "published_at")


def run(selector_hits: dict[str, int] | None = None, *, articles: int = 10, listed: int = 20,
        requests: int = 30, failures: int = 0, reasons: dict[str, int] | None = None) -> RunMetrics:
    """A run that read `articles` articles, each field by its selector `selector_hits[field]`
    times (all of them when not given), the rest by a generic rule."""
    hits = {name: articles for name in PROFILED} | (selector_hits or {})
    sources = {name: {"selector": n, "generic": articles - n} for name, n in hits.items()}
    return RunMetrics(listed=listed, pages=articles, requests=requests, articles=articles,
                      failures=failures, field_sources=sources, profiled=PROFILED,
                      failure_reasons=reasons or {})


def judged(metrics: RunMetrics, recent: list[RunHealth] | None = None,
           rules: HealthRules = RULES) -> RunHealth:
    """`metrics` assessed against `recent` (newest first), as the store would hand it back."""
    recent = recent or []
    return RunHealth(len(recent) + 1, "congthuong", T0, T0, metrics, assess(metrics, recent, rules))


def history(*runs: RunMetrics) -> list[RunHealth]:
    """The runs assessed one after the other, newest first."""
    assessed: list[RunHealth] = []
    for metrics in runs:
        assessed.insert(0, judged(metrics, assessed))
    return assessed


# ---- the counts in Scrapy's stats ---------------------------------------------------------------


class Stats(Counter[str]):
    def inc_value(self, key: str, count: int = 1) -> None:
        self[key] += count


def test_the_pipeline_counts_articles_sources_pages_and_failures_by_reason() -> None:
    stats = Stats()
    pipeline = HealthStatsPipeline(stats)  # type: ignore[arg-type]
    article = Article(url="https://congthuong.vn/a-1.html", title="T", lead="L", body="B",
                      sources={"title": "selector h1.article-title", "lead": "meta og:description",
                               "body": "generic: densest block", "published_at": "json-ld"})
    items = (FetchedArticle("c:1", article, b"", 200, T0), NotModified("c:2", "u", T0),
             FetchFailed("u3", "HTTP 500"), FetchFailed("u4", "HTTP 500"), FetchFailed("u5", "timed out"))
    for item in items:
        assert pipeline.process_item(item) is item
    stats[LISTED_STAT] = 7
    stats["downloader/request_count"] = 9

    metrics = metrics_from_stats(stats, Selectors(title="h1", lead=".sapo", body="#body"),
                                 source_changed={"lead": 1}, sources_before={"lead": {"selector .sapo": 1}})

    assert (stats[ARTICLES_STAT], stats[PAGES_STAT], stats[FAILURES_STAT]) == (1, 2, 3)
    counted = (metrics.listed, metrics.pages, metrics.requests, metrics.articles, metrics.failures)
    assert counted == (7, 2, 9, 1, 3)
    assert metrics.failure_reasons == {"HTTP 500": 2, "timed out": 1}
    assert metrics.profiled == ("title", "lead", "body")
    assert hit_rates(metrics) == {"title": 1.0, "lead": 0.0, "body": 0.0}
    assert fallback_rates(metrics) == {"body": 1.0, "lead": 1.0, "published_at": 1.0, "title": 0.0}
    assert metrics.source_changed == {"lead": 1}


@pytest.mark.parametrize(("source", "kind"), [
    ("selector h1.a, h1.b", "selector"), ("json-ld", "json-ld"), ("meta og:title", "meta"),
    ("generic: h1", "generic"), ("generic: link box + related heading", "generic"),
])
def test_source_kinds(source: str, kind: str) -> None:
    assert source_kind(source) == kind


# ---- the rules ----------------------------------------------------------------------------------


def test_a_healthy_run_is_ok() -> None:
    assert assess(run(), history(run(), run()), RULES) == Assessment("ok")


def test_no_article_links_at_all_is_broken() -> None:
    verdict = assess(run(listed=0), history(run()), RULES)
    assert verdict.verdict == "broken" and verdict.tripped == ("links",)
    assert verdict.problems == ("no article links found on the listing pages",)


def test_no_article_links_and_no_page_read_suggests_the_site_is_unreachable() -> None:
    verdict = assess(run(listed=0, articles=0, requests=20, failures=2), history(run()), RULES)
    assert verdict.verdict == "broken" and verdict.tripped == ("links",)
    assert verdict.problems == ("no article links found on the listing pages "
                                "(2 failed requests, no page read: is the site reachable?)",)


def test_a_selector_that_stopped_matching_after_matching_well_degrades_the_site() -> None:
    verdict = assess(run({"title": 0, "lead": 4}), history(run(), run()), RULES)
    assert verdict.verdict == "degraded"
    assert stopped_selectors(verdict) == ["title", "lead"]
    assert verdict.problems == ("selector for title matched 0% of 10 articles, was 100%",
                                "selector for lead matched 40% of 10 articles, was 100%")


def test_a_selector_that_never_matched_well_or_still_matches_half_is_no_problem() -> None:
    assert assess(run({"lead": 2}), history(run({"lead": 8})), RULES).verdict == "ok"  # never above 90%
    assert assess(run({"lead": 5}), history(run()), RULES).verdict == "ok"  # 50% is not below 50%
    assert assess(run({"lead": 0}), [], RULES).verdict == "ok"  # nothing to compare with


def test_too_few_articles_neither_trip_nor_clear_a_selector_rule() -> None:
    few = run({"title": 0}, articles=2)
    assert assess(few, history(run()), RULES).verdict == "ok"
    still = assess(few, history(run(), run({"title": 0})), RULES)
    assert still.verdict == "degraded" and stopped_selectors(still) == ["title"]


def test_a_selector_stays_a_problem_while_it_does_not_match_however_long_ago_it_last_did() -> None:
    rules = health_rules(history_runs=2)
    runs = history(run(), *[run({"body": 0})] * 4)
    assert all(stopped_selectors(r.assessment) == ["body"] for r in runs[:-1])
    assert assess(run({"body": 0}), runs, rules).verdict == "degraded"
    assert assess(run(), runs, rules).verdict == "ok"


@pytest.mark.parametrize(("failures", "verdict"),
                         [(6, "ok"), (7, "degraded"), (15, "degraded"), (16, "broken")])
def test_failures_over_a_share_of_the_requests(failures: int, verdict: str) -> None:
    found = assess(run(failures=failures, requests=30, reasons={"HTTP 503": failures}), [], RULES)
    assert found.verdict == verdict
    if verdict != "ok":
        share = f"{failures / 30:.0%}"
        assert found.problems == (f"{failures} of 30 requests failed ({share})",)


def test_the_thresholds_come_from_the_rules() -> None:
    strict = health_rules(selector_was=0.7, selector_below=0.6, failures_degraded=0.05, failures_broken=0.1)
    assert assess(run({"lead": 5}), history(run({"lead": 8})), strict).tripped == ("selector:lead",)
    assert assess(run(failures=2), [], strict).verdict == "degraded"
    assert assess(run(failures=4), [], strict).verdict == "broken"


def test_the_worst_verdict_wins_and_every_problem_is_named() -> None:
    found = assess(run({"title": 0}, listed=0), history(run()), RULES)
    assert found.verdict == "broken" and found.tripped == ("links", "selector:title")


def test_an_alert_is_due_when_the_verdict_changes() -> None:
    assert previous_verdict([]) == "ok"
    assert [announce(a, b) for a, b in [("ok", "ok"), ("ok", "degraded"), ("degraded", "degraded"),
                                        ("degraded", "broken"), ("broken", "ok")]] == \
        [False, True, False, True, True]


def test_health_keys_are_validated_at_load(tmp_path: Path) -> None:
    def config(text: str) -> str:
        path = tmp_path / "newswatch.toml"
        path.write_text(text, encoding="utf-8")
        return str(path)

    assert load(config("[health]\nselector_below = 0.3\nhistory_runs = 8\n"), env={}).health == \
        health_rules(selector_below=0.3, history_runs=8)
    for text, message in [
        ("[health]\nselector_below = 1.5\n", "health.selector_below: must be at most 1"),
        ("[health]\nselector_below = 0.95\n", "health.selector_below: must be below health.selector_was"),
        ("[health]\nfailures_broken = 0.1\n", "health.failures_broken: must not be below"),
        ("[health]\nhistory_runs = 0\n", "health.history_runs: must be at least 1"),
        ("[health]\nbogus = 1\n", "health.bogus: unknown key"),
    ]:
        with pytest.raises(ConfigError, match=message):
            load(config(text), env={})
    assert load(config(""), env={"NEWSWATCH_HEALTH_FAILURES_DEGRADED": "0.3"}).health.failures_degraded == 0.3


# ---- what the store keeps -----------------------------------------------------------------------


def test_the_store_keeps_each_runs_metrics_and_verdict_and_queues_health_alerts(database_url: str) -> None:
    with Store(database_url, clock=lambda: T0) as store:
        first = store.start_run("congthuong", baseline=True)
        store.finish_run(first, "completed", requests=30, pages=10, failures=0)
        assert store.assess_run(first, run(), Assessment("ok")) == []
        second = store.start_run("congthuong", baseline=False)
        store.finish_run(second, "completed", requests=30, pages=10, failures=0)
        changed = RunMetrics(**{**vars(run({"title": 0})), "source_changed": {"title": 10},
                                "sources_before": {"title": {"selector h1": 10}}})
        verdict = assess(changed, store.recent_health("congthuong", before=second, limit=5), RULES)
        alerts = store.assess_run(second, changed, verdict, alert=["a@example.vn", "json://x/hook"],
                                  message_domain="example.vn")

        [latest] = store.site_health()
        assert (latest.run_id, latest.site) == (second, "congthuong")
        assert (latest.metrics, latest.assessment) == (changed, verdict)
        recent = store.recent_health("congthuong", before=second + 1, limit=5)
        assert [h.run_id for h in recent] == [second, first]
        earlier = store.run_health(first)
        assert earlier is not None and earlier.assessment == Assessment("ok")
        listed = store.list_alerts()
        assert sorted(a.id for a in listed) == sorted(alerts) and len(alerts) == 2
        shown = {(a.kind, a.run_id, a.event_count, a.state) for a in listed}
        assert shown == {("health", second, 0, "pending")}
        assert all(a.message_id.endswith("@example.vn>") for a in listed)
        assert [a.id for a in store.due_alerts(T0)] == sorted(alerts)


def test_runs_not_assessed_have_no_health(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'nw.db'}", clock=lambda: T0) as store:
        run_id = store.start_run("moit", baseline=True)
        assert store.site_health() == [] and store.run_health(run_id) is None




# ---- what the alert says ------------------------------------------------------------------------


def test_the_health_alert_names_the_site_what_broke_and_the_fields_read_from_elsewhere() -> None:
    from monitor.health_message import compose

    earlier = history(run())
    moved = RunMetrics(**{**vars(run({"title": 0, "lead": 0}, failures=8, reasons={"HTTP 500": 8})),
                          "source_changed": {"lead": 3},
                          "sources_before": {"lead": {"selector .sapo": 3}}})
    message = compose(judged(moved, earlier), "ok")
    assert message.subject == ("newswatch health: congthuong degraded — selectors stopped matching: "
                               "title, lead; 27% of requests failed")
    assert "congthuong is degraded after the run of 2025-03-01T08:00:00+07:00 (it was ok)." in message.text
    assert "  - selector for lead matched 0% of 10 articles, was 100%" in message.text
    assert "  - 8 of 30 requests failed (27%)" in message.text and "  - failed: HTTP 500 ×8" in message.text
    assert "  - lead: 3 articles (before: selector .sapo ×3)" in message.text
    assert "Read from metadata or generic rules: lead 100%, title 100%" in message.text

    broken = compose(judged(run(listed=0), earlier), "degraded")
    assert broken.subject == "newswatch health: congthuong broken — no article links on the listing pages"
    recovered = compose(judged(run(), earlier), "broken")
    assert recovered.subject == "newswatch health: congthuong recovered (was broken)"
    assert "healthy again" in recovered.text and "Problems" not in recovered.text


def test_migration_0006_keeps_earlier_alerts_as_news_and_runs_unassessed(database_url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from storage.db import make_engine
    from storage.migrate import alembic_config, upgrade

    upgrade(database_url, "0005")
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO sites (name) VALUES ('moit')"))
        connection.execute(text(
            "INSERT INTO crawl_runs (site_id, started_at, status, baseline) VALUES"
            " ((SELECT id FROM sites WHERE name = 'moit'), :t, 'completed', false)"), {"t": T0})
        connection.execute(text(
            "INSERT INTO alerts (recipient, message_id, state, attempts, next_attempt_at, created_at)"
            " VALUES ('a@example.vn', '<m@x>', 'sent', 1, :t, :t)"), {"t": T0})

    upgrade(database_url)

    with Store(database_url, clock=lambda: T0) as store:
        assert [a.kind for a in store.list_alerts()] == ["news"]
        assert store.site_health() == []
        [run_id] = [r.id for r in store.recent_runs()]
        store.assess_run(run_id, run(), Assessment("ok"), alert=["a@example.vn"])
        assert sorted(a.kind for a in store.list_alerts()) == ["health", "news"]
    command.downgrade(alembic_config(database_url), "0005")  # and back: the news alert stays
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alerts")).scalar() == 1
    engine.dispose()
