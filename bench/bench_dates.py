"""Benchmark parse_date's regex fast path against dateparser on the common date-line forms.

Run from the repository root: python bench/bench_dates.py
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.dates import LOCAL_TZ, dateparser_settings, parse_date  # noqa: E402

STRINGS = 20_000
DATEPARSER_SAMPLE = 500
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=LOCAL_TZ)
WEEKDAYS = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"]

# One template per form seen on the target sites; {w} weekday name, {n} "Thứ N"/"Chủ nhật".
FORMS = {
    "congthuong header": "{w} {d:%d/%m/%Y %H:%M}",
    "weekday, (GMT+7)": "{w}, {d:%d/%m/%Y %H:%M} (GMT+7)",
    "weekday, seconds": "{w}, {d:%d/%m/%Y, %H:%M:%S}",
    "time | date": "{d:%H:%M | %d/%m/%Y}",
    "AM + view counter": "{d:%I:%M %p %d/%m/%Y} |   Lượt xem: 4395 |   In bài viết |",
    "Ngày d/m/yyyy": "Ngày {d.day}/{d.month}/{d.year}",
    "moit Thứ N | time": "{n}, {d:%d/%m/%Y | %H:%M}",
    "ISO +0700": "{d:%Y-%m-%dT%H:%M:%S}+0700",
    "Thứ N - time": "{n}, {d:%d/%m/%Y - %H:%M}",
    "time date": "{d:%H:%M %d/%m/%Y}",
    "dashes": "{d:%d-%m-%Y %H:%M}",
    "worded": "ngày {d.day} tháng {d.month} năm {d.year}",
    "Cập nhật:": "Cập nhật: {d:%d/%m/%Y %H:%M}",
    "ISO Z": "{d:%Y-%m-%dT%H:%M:%S}Z",
}


def weekday_number(moment: datetime) -> str:
    return "Chủ nhật" if moment.weekday() == 6 else f"Thứ {moment.weekday() + 2}"


def build_strings(count: int) -> list[tuple[str, str]]:
    """(form name, text) pairs over random moments of 2015-2026."""
    rng = random.Random(20241125)
    start = datetime(2015, 1, 1)
    names = list(FORMS)
    pairs = []
    for index in range(count):
        moment = start + timedelta(minutes=rng.randrange(12 * 365 * 24 * 60))
        name = names[index % len(names)]
        text = FORMS[name].format(d=moment, w=WEEKDAYS[moment.weekday()], n=weekday_number(moment))
        pairs.append((name, text))
    return pairs


def time_fast_path(texts: list[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        parse_date(text, NOW)
    elapsed = time.perf_counter() - started
    # The fallback imports dateparser lazily: if it is loaded now, some string missed the fast path.
    if "dateparser" in sys.modules:
        raise SystemExit("some strings fell through to dateparser; the fast path timing is invalid")
    return elapsed


def time_dateparser(texts: list[str]) -> tuple[list[datetime | None], float, float]:
    started = time.perf_counter()
    import dateparser

    settings = dateparser_settings(NOW)
    dateparser.parse("25/11/2024 05:05", languages=["vi"], settings=settings)  # load language data
    warmup = time.perf_counter() - started
    started = time.perf_counter()
    results = [dateparser.parse(text, languages=["vi"], settings=settings) for text in texts]
    return results, time.perf_counter() - started, warmup


def to_minute(moment: datetime | None) -> datetime | None:
    return moment.astimezone(LOCAL_TZ).replace(second=0, microsecond=0) if moment else None


def report_agreement(sample: list[tuple[str, str]], reference: list[datetime | None]) -> None:
    disagreements: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for (name, text), expected in zip(sample, reference, strict=True):
        if to_minute(parse_date(text, NOW)) != to_minute(expected):
            disagreements[name] += 1
            examples.setdefault(name, f"{text!r}: dateparser {expected}")
    agreed = len(sample) - sum(disagreements.values())
    print(f"agreement (to the minute): {agreed}/{len(sample)}")
    for name, count in disagreements.most_common():
        print(f"  {name}: {count} disagree, e.g. {examples[name]}")


def main() -> None:
    pairs = build_strings(STRINGS)
    texts = [text for _, text in pairs]
    fast_seconds = time_fast_path(texts)
    fast_rate = len(texts) / fast_seconds

    sample = random.Random(7).sample(pairs, DATEPARSER_SAMPLE)
    reference, slow_seconds, warmup = time_dateparser([text for _, text in sample])
    slow_rate = len(sample) / slow_seconds

    print(f"fast path:  {len(texts)} strings in {fast_seconds:.3f} s = {fast_rate:,.0f} strings/s")
    print(f"dateparser: {len(sample)} strings in {slow_seconds:.3f} s = {slow_rate:,.0f} strings/s")
    print(f"  (dateparser import and first call, not counted: {warmup:.3f} s)")
    print(f"ratio: fast path is {fast_rate / slow_rate:.0f}x faster (target >= 50x)")
    report_agreement(sample, reference)


if __name__ == "__main__":
    main()
