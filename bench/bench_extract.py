"""Benchmark extraction on the shared real pages: newswatch (no site profile) against trafilatura and
newspaper4k, fields right per engine and page, and milliseconds per page, in one run.

Run from the repository root: python bench/bench_extract.py [--repeat 5]
(needs `pip install '.[bench]'` and ../shared/real-pages/)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.dates import parse_date  # noqa: E402
from crawler.extract import read_article  # noqa: E402
from crawler.profile import Selectors  # noqa: E402
from tests.real_pages import ARTICLES, FIELDS, REAL_PAGES, Truth, score  # noqa: E402

# The fields trafilatura and newspaper4k also return (neither returns a related list).
COMMON = ("title", "published", "author", "body_first", "body_last")
Reading = dict[str, Any]  # the keyword arguments of tests.real_pages.score


def newswatch(html: str, url: str) -> Reading:
    article = read_article(html, url, Selectors())
    return {"title": article.title, "published": article.published_at, "lead": article.lead,
            "body": article.body, "author": article.author, "related": [r.title for r in article.related]}


def trafilatura_engine() -> Callable[[str, str], Reading]:
    import trafilatura

    def extract(html: str, url: str) -> Reading:
        document = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=True,
            date_extraction_params={"extensive_search": True, "original_date": True,
                                    "outputformat": "%Y-%m-%dT%H:%M:%S%z"})
        data = document.as_dict() if hasattr(document, "as_dict") else dict(document or {})
        return {"title": data.get("title"), "published": _date(data.get("date")),
                "lead": data.get("description"), "body": data.get("text"), "author": data.get("author"),
                "related": None}

    return extract


def newspaper_engine() -> Callable[[str, str], Reading]:
    import newspaper

    def extract(html: str, url: str) -> Reading:
        # fetch_images=False: it would download the top image over the network to size it
        article = newspaper.Article(url, language="vi", fetch_images=False)
        article.download(input_html=html)
        article.parse()
        published = article.publish_date
        return {"title": article.title, "published": published if isinstance(published, datetime) else None,
                "lead": article.meta_description, "body": article.text,
                "author": ", ".join(article.authors) or None, "related": None}

    return extract


def _date(value: str | None) -> datetime | None:
    # a date without a time is midnight: wrong to the minute, as it should be
    return parse_date(value) if value else None


def timed(engine: Callable[[str, str], Reading], html: str, url: str, repeat: int) -> tuple[Reading, float]:
    """The reading and the median milliseconds of `repeat` runs (after one warm-up run)."""
    reading = engine(html, url)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        engine(html, url)
        times.append((time.perf_counter() - start) * 1000)
    return reading, statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per page and engine (median)")
    args = parser.parse_args()
    if not REAL_PAGES.is_dir():
        print(f"{REAL_PAGES} is absent: nothing to measure", file=sys.stderr)
        return 1
    warnings.filterwarnings("ignore")
    try:
        engines = {"newswatch": newswatch, "trafilatura": trafilatura_engine(),
                   "newspaper4k": newspaper_engine()}
    except ImportError as exc:
        print(f"{exc.name} is not installed: pip install '.[bench]'", file=sys.stderr)
        return 1
    pages = [(truth, (REAL_PAGES / truth.file).read_text(encoding="utf-8")) for truth in ARTICLES]
    results: dict[str, list[tuple[Truth, dict[str, bool | None], float]]] = {name: [] for name in engines}
    for name, engine in engines.items():
        for truth, html in pages:
            reading, ms = timed(engine, html, truth.url, args.repeat)
            results[name].append((truth, score(truth, **reading), ms))
    _report(results)
    return 0


def _report(results: dict[str, list[tuple[Truth, dict[str, bool | None], float]]]) -> None:
    names = list(results)
    print(f"{len(results[names[0]])} real article pages, no site profile; fields: {', '.join(FIELDS)}\n")
    print(f"{'page':<14}" + "".join(f"{n:>22}" for n in names))
    for index, (truth, _, _) in enumerate(results[names[0]]):
        row = f"{truth.file.split('-')[0]:<14}"
        for name in names:
            _, fields, ms = results[name][index]
            right = sum(bool(v) for v in fields.values())
            row += f"{f'{right}/{len(FIELDS)}  {ms:6.1f} ms':>22}"
        print(row)
    print()
    for name in names:
        rows = results[name]
        right = sum(bool(v) for _, f, _ in rows for v in f.values())
        returned = sum(v is not None for _, f, _ in rows for v in f.values())
        common = sum(bool(f[k]) for _, f, _ in rows for k in COMMON)
        ms = statistics.mean(m for _, _, m in rows)
        missed = sorted({k for _, f, _ in rows for k, v in f.items() if v is False})
        print(f"{name:<12} all fields {right}/{len(rows) * len(FIELDS)}, of the fields it returns "
              f"{right}/{returned}, common five {common}/{len(rows) * len(COMMON)}; {ms:.1f} ms/page"
              + (f"; wrong: {', '.join(missed)}" if missed else ""))
    ours = statistics.mean(m for _, _, m in results["newswatch"])
    theirs = statistics.mean(m for _, _, m in results["trafilatura"])
    verdict = "meets" if ours <= theirs else "MISSES"
    print(f"\nnewswatch / trafilatura time: {ours / theirs:.2f} ({verdict} the bar: ≤ 1)")


if __name__ == "__main__":
    sys.exit(main())
