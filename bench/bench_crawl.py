"""Benchmark a full `newswatch crawl` of a replica site against two plain Scrapy baselines.

Run from the repository root: python bench/bench_crawl.py [--articles 2000] [--db-dir DIR]

Every crawl is a subprocess of its own, timed from the outside (wall time, CPU time, peak RSS
and disk writes of that one process, from os.wait4). The replica is served by
bench/replica_server.py in another process, so its CPU time does not share the crawler's GIL;
on a 2-core machine the two still compete for the cores, which the table shows.

  1. `scrapy bench`: Scrapy's own baseline
  2. per database (SQLite; PostgreSQL too when NEWSWATCH_TEST_PG_URL is set): a full crawl of a
     fresh database, every article reached through listing pagination, then a re-crawl of the
     unchanged replica
  3. a minimal Scrapy spider (PlainReplicaSpider, below) over the same replica
  4. on SQLite, the same pair of crawls with ETag/304 on
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import scrapy

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TARGET_RATIO = 0.6  # newswatch full crawl / plain Scrapy spider, pages per second
TARGET_RSS_MB = 150
TARGET_RECRAWL_MB = 2  # written by the unchanged re-crawl
CONCURRENCY = 16


class PlainReplicaSpider(scrapy.Spider):
    """The least a crawler of the replica must do: page through the listing, fetch each article.

    Run by `scrapy runspider bench/bench_crawl.py -a start=URL -a max_pages=N`; yields no items.
    """

    name = "plain_replica"
    custom_settings = {
        "CONCURRENT_REQUESTS": 2 * CONCURRENCY,  # what newswatch's crawler/settings.py derives
        "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "INFO",
    }

    def __init__(self, start: str = "", max_pages: str = "1", **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.start_urls = [start]
        self.max_pages = int(max_pages)

    def parse(self, response: scrapy.http.Response, page: int = 1) -> Iterator[scrapy.Request]:
        for href in response.css("h3.article-title a::attr(href)").getall():
            yield response.follow(href, self.parse_article)
        next_page = response.css("a.next-page::attr(href)").get()
        if next_page and page < self.max_pages:
            yield response.follow(next_page, self.parse, cb_kwargs={"page": page + 1})

    def parse_article(self, response: scrapy.http.Response) -> Iterator[object]:
        self.crawler.stats.inc_value("plain/articles")
        return iter(())


# ---- measuring one subprocess ---------------------------------------------------------------------


@dataclass
class Measured:
    seconds: float
    cpu_seconds: float
    max_rss_mb: float
    written_bytes: int  # block writes reported by the kernel (0 on tmpfs)
    returncode: int
    stdout: str
    stderr: str


def run_measured(cmd: list[str], *, cwd: Path, timeout: float = 1800) -> Measured:
    """Run `cmd` to completion; wall time, and rusage of that child alone (os.wait4, not
    RUSAGE_CHILDREN, which would mix in the replica server and every earlier child)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(
            seconds=seconds,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            max_rss_mb=usage.ru_maxrss / 1024,  # KiB on Linux
            written_bytes=usage.ru_oublock * 512,
            returncode=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def process_cpu_seconds(pid: int) -> float | None:
    """utime + stime of a running process (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---- the replica server -----------------------------------------------------------------------


@dataclass
class Replica:
    proc: subprocess.Popen[str]
    section_url: str

    @property
    def base_url(self) -> str:
        parts = urlsplit(self.section_url)
        return f"{parts.scheme}://{parts.netloc}"

    def cpu_seconds(self) -> float | None:
        return process_cpu_seconds(self.proc.pid)


@contextmanager
def replica(articles: int, page_size: int, *, conditional: bool) -> Iterator[Replica]:
    cmd = [sys.executable, str(ROOT / "bench" / "replica_server.py"), "--articles", str(articles),
           "--page-size", str(page_size), "--theme", "congthuong"]
    if conditional:
        cmd.append("--conditional")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    try:
        line = proc.stdout.readline().strip() if proc.stdout else ""
        if not line.startswith("http"):
            raise SystemExit(f"replica server did not start: {line!r}")
        yield Replica(proc, line)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


# ---- newswatch --------------------------------------------------------------------------------


def newswatch_command() -> list[str]:
    script = BIN / "newswatch"
    return [str(script)] if script.exists() else [sys.executable, "-m", "monitor.cli"]


def write_config(path: Path, database_url: str, base_url: str, max_pages: int) -> Path:
    from replica import congthuong_profile_toml

    sites = congthuong_profile_toml(base_url, max_pages=max_pages, related_depth=1)
    path.write_text(
        f"[database]\nurl = {json.dumps(database_url)}\n\n"
        "# politeness off: the replica is on loopback\n"
        f"[crawl]\ndownload_delay = 0\nautothrottle = false\nconcurrency = {CONCURRENCY}\n"
        "timeout = 30\nretries = 1\n\n" + sites,
        encoding="utf-8",
    )
    return path


@dataclass
class DbState:
    bytes: int  # the database's size: SQLite file plus -wal; PostgreSQL tables and indexes
    versions: int
    blobs: int
    events: int
    pages: int


_TABLES = ("versions", "blobs", "events", "pages")


class Database:
    """Where one pair of crawls stores: a fresh SQLite file or a throw-away PostgreSQL schema."""

    label = "SQLite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.url = f"sqlite:///{path}"

    def exists(self) -> bool:
        return self.path.exists()

    def state(self) -> DbState:
        # sizes first: opening the database creates -wal/-shm and closing it checkpoints
        size = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())
        with sqlite3.connect(self.path) as conn:
            counts = [conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
                      for table in _TABLES]
        conn.close()
        return DbState(size, *counts)

    def wal_position(self) -> int:
        return 0

    def written(self, run: Measured, wal_before: int) -> int:
        # the kernel's count of the bytes the crawl process wrote: database, WAL, journal
        return run.written_bytes


class PostgresDatabase(Database):
    """A schema of its own on the NEWSWATCH_TEST_PG_URL server; WAL is counted server-wide."""

    label = "PostgreSQL"

    def __init__(self, url: str, schema: str) -> None:
        self.url = url
        self.schema = schema
        self._exists = False

    def exists(self) -> bool:
        if not self._exists:  # the first crawl creates the tables
            self._exists = True
            return False
        return True

    def state(self) -> DbState:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                size = conn.execute(text(
                    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = :schema AND c.relkind IN ('r', 'm')"),
                    {"schema": self.schema}).scalar_one()
                counts = [conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
                          for table in _TABLES]
        finally:
            engine.dispose()
        return DbState(int(size), *counts)

    def wal_position(self) -> int:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return int(conn.execute(text("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")).scalar_one())
        finally:
            engine.dispose()

    def written(self, run: Measured, wal_before: int) -> int:
        # WAL the server wrote during the crawl: every database of the server, so other work counts
        return self.wal_position() - wal_before


@dataclass
class CrawlResult:
    label: str
    run: Measured
    pages: int
    new_versions: int
    failures: int
    requests: int
    before: DbState | None
    after: DbState
    server_cpu: float | None
    written: int

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.run.seconds

    @property
    def stored_per_s(self) -> float:
        return self.new_versions / self.run.seconds

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.run.cpu_seconds / max(self.pages, 1)


SUMMARY = re.compile(r"(\d+) pages fetched, (\d+) new versions, (\d+) failures, (\d+) requests")


def newswatch_crawl(label: str, config: Path, database: Database, server: Replica) -> CrawlResult:
    before = database.state() if database.exists() else None
    wal_before = database.wal_position()
    server_cpu = server.cpu_seconds()
    run = run_measured([*newswatch_command(), "--config", str(config), "crawl"], cwd=ROOT)
    server_after = server.cpu_seconds()
    match = SUMMARY.search(run.stdout)
    if run.returncode != 0 or match is None:
        raise SystemExit(f"newswatch crawl failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
    pages, new_versions, failures, requests = map(int, match.groups())
    written = database.written(run, wal_before)
    after = database.state()
    return CrawlResult(
        f"{label} ({database.label})", run, pages, new_versions, failures, requests, before, after,
        None if server_cpu is None or server_after is None else server_after - server_cpu,
        written,
    )


def crawl_pair(work: Path, database: Database, server: Replica, max_pages: int,
               labels: tuple[str, str]) -> list[CrawlResult]:
    name = re.sub(r"\W+", "-", f"{database.label} {labels[0]}").lower()
    config = write_config(work / f"{name}.toml", database.url,
                          server.base_url, max_pages)
    print(f"{database.label}: {labels[0]} ...", flush=True)
    full = newswatch_crawl(labels[0], config, database, server)
    print(f"{database.label}: {labels[1]} ...", flush=True)
    return [full, newswatch_crawl(labels[1], config, database, server)]


# ---- baselines ----------------------------------------------------------------------------------


@dataclass
class Baseline:
    label: str
    run: Measured
    pages: int
    pages_per_s: float
    requests: int
    server_cpu: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.run.cpu_seconds / max(self.pages, 1)


CRAWLED = re.compile(r"Crawled (\d+) pages \(at (\d+) pages/min\)")


def stat(stderr: str, name: str) -> float:
    match = re.search(rf"'{re.escape(name)}': ([\d.]+)", stderr)
    return float(match.group(1)) if match else 0.0


def scrapy_bench(workdir: Path, seconds: int) -> Baseline:
    """`scrapy bench`: its own server process, link-following spider, nothing parsed or stored."""
    run = run_measured([str(BIN / "scrapy"), "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}",
                        "-s", "LOG_LEVEL=INFO"], cwd=workdir)
    lines = [(int(n), int(rate)) for n, rate in CRAWLED.findall(run.stderr)]
    if run.returncode != 0 or len(lines) < 2:
        raise SystemExit(f"scrapy bench failed ({run.returncode}):\n{run.stderr[-3000:]}")
    # one log line a second; the first ("Crawled 0 pages") is before any download
    per_minute = [rate for _, rate in lines[1:]]
    pages_per_s = statistics.mean(per_minute) / 60
    return Baseline("scrapy bench", run, lines[-1][0], pages_per_s,
                    int(stat(run.stderr, "downloader/request_count")),
                    notes=[f"logstats rates: {min(per_minute) / 60:.0f}-{max(per_minute) / 60:.0f} "
                           f"pages/s over {len(per_minute)} s"])


def plain_spider(workdir: Path, server: Replica, max_pages: int) -> Baseline:
    server_cpu = server.cpu_seconds()
    run = run_measured([str(BIN / "scrapy"), "runspider", str(Path(__file__).resolve()),
                        "-a", f"start={server.section_url}", "-a", f"max_pages={max_pages}"],
                       cwd=workdir)
    server_after = server.cpu_seconds()
    if run.returncode != 0:
        raise SystemExit(f"plain spider failed ({run.returncode}):\n{run.stderr[-3000:]}")
    articles = int(stat(run.stderr, "plain/articles"))
    return Baseline(
        "plain Scrapy spider", run, articles, articles / run.seconds,
        int(stat(run.stderr, "downloader/request_count")),
        None if server_cpu is None or server_after is None else server_after - server_cpu,
    )


# ---- report -------------------------------------------------------------------------------------


def mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def cpu(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} s"


def print_table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    print(line)
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print(line)
    for row in rows:
        print("  ".join(c.rjust(w) if i else c.ljust(w)
                        for i, (c, w) in enumerate(zip(row, widths, strict=True))))
    print(line)


def growth(result: CrawlResult) -> str:
    if result.before is None:
        return f"{result.after.versions} versions / {result.after.blobs} blobs"
    b, a = result.before, result.after
    return (f"versions {b.versions}->{a.versions}, blobs {b.blobs}->{a.blobs}, "
            f"events {b.events}->{a.events}")


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report(args: argparse.Namespace, crawls: list[CrawlResult], bench: Baseline,
           plain: Baseline) -> int:
    print()
    print(f"newswatch crawl benchmark: {args.articles} articles, page_size {args.page_size}, "
          f"max_pages {args.max_pages}, related_depth 1, concurrency {CONCURRENCY}, "
          f"{os.cpu_count()} CPUs, SQLite in {args.db_dir or tempfile.gettempdir()}")
    print(f"load average (1 min) before / after: {args.load_before:.1f} / {os.getloadavg()[0]:.1f}"
          " (other work on the machine skews every figure)")
    rows = []
    for r in crawls:
        delta = r.after.bytes - (r.before.bytes if r.before else 0)
        rows.append([r.label, f"{r.run.seconds:.1f} s", str(r.requests), str(r.pages),
                     f"{r.pages_per_s:.1f}", f"{r.cpu_ms_per_page:.1f}", str(r.new_versions),
                     f"{r.run.max_rss_mb:.0f} MB", cpu(r.run.cpu_seconds), cpu(r.server_cpu),
                     f"{delta / 1e6:+.1f} MB", mb(r.written)])
    for b in (bench, plain):
        rows.append([b.label, f"{b.run.seconds:.1f} s", str(b.requests), str(b.pages),
                     f"{b.pages_per_s:.1f}", f"{b.cpu_ms_per_page:.1f}", "-",
                     f"{b.run.max_rss_mb:.0f} MB", cpu(b.run.cpu_seconds), cpu(b.server_cpu),
                     "-", "-"])
    print_table(rows, ["run", "wall", "requests", "pages", "pages/s", "CPU ms/page",
                       "new versions", "peak RSS", "crawler CPU", "server CPU", "db size",
                       "written"])
    print("pages/s: pages fetched (200 or 304) / wall time of the whole process, start-up included;")
    print("  scrapy bench: mean of its per-second logstats rates (start-up excluded); its CPU")
    print("  includes its own server process. CPU ms/page: the crawler process's CPU time / pages.")
    print("written: SQLite, the bytes the crawl process wrote to disk (database, WAL, journal;")
    print("  0 on tmpfs); PostgreSQL, the WAL the server wrote meanwhile (all its databases).")
    for note in bench.notes:
        print(f"  scrapy bench {note}")
    print()
    for r in crawls:
        print(f"{r.label}: {growth(r)}; database {mb(r.after.bytes)}")
    status = 0
    for full, again in zip(crawls[0::2], crawls[1::2], strict=True):
        if "ETag" in full.label:
            continue
        ratio_plain = full.pages_per_s / plain.pages_per_s
        ok_ratio = ratio_plain >= TARGET_RATIO
        ok_rss = full.run.max_rss_mb < TARGET_RSS_MB
        ok_written = again.written < TARGET_RECRAWL_MB * 1e6
        print()
        print(f"{full.label}: {full.new_versions} articles stored in {full.run.seconds:.1f} s")
        print(f"  ratio newswatch / plain Scrapy spider = {ratio_plain:.2f} pages/s  "
              f"(target >= {TARGET_RATIO}: {met(ok_ratio)}; same replica, same concurrency, same run)")
        print(f"  CPU per page: newswatch {full.cpu_ms_per_page:.1f} ms, plain spider "
              f"{plain.cpu_ms_per_page:.1f} ms, scrapy bench {bench.cpu_ms_per_page:.1f} ms "
              f"(plain / newswatch = {plain.cpu_ms_per_page / full.cpu_ms_per_page:.2f})")
        print(f"  ratio newswatch / scrapy bench        = {full.pages_per_s / bench.pages_per_s:.2f} pages/s")
        print(f"  peak RSS                              = {full.run.max_rss_mb:.0f} MB  "
              f"(target < {TARGET_RSS_MB} MB: {met(ok_rss)})")
        print(f"  unchanged re-crawl: {again.requests} requests in {again.run.seconds:.1f} s, "
              f"{mb(again.written)} written (target < {TARGET_RECRAWL_MB} MB: {met(ok_written)})")
        if full.new_versions != args.articles:
            print(f"WARNING: the full crawl stored {full.new_versions} of {args.articles} articles")
            status = 1
    return status


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--max-pages", type=int, default=0,
                        help="listing pages to follow; 0: as many as the articles need")
    parser.add_argument("--bench-seconds", type=int, default=10,
                        help="CLOSESPIDER_TIMEOUT for scrapy bench")
    parser.add_argument("--db-dir", default=None,
                        help="where the databases go (default: the system temp dir); "
                             "/dev/shm shows the crawl without fsync cost")
    parser.add_argument("--skip-conditional", action="store_true",
                        help="skip the ETag/304 crawl pair")
    args = parser.parse_args(argv)
    args.max_pages = args.max_pages or math.ceil(args.articles / args.page_size)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.load_before = os.getloadavg()[0]
    sys.path.insert(0, str(ROOT))
    crawls: list[CrawlResult] = []
    pg_url = os.environ.get("NEWSWATCH_TEST_PG_URL")
    labels = ("full crawl", "re-crawl")
    with tempfile.TemporaryDirectory(prefix="bench_crawl_", dir=args.db_dir) as tmp, ExitStack() as stack:
        work = Path(tmp)
        print(f"scrapy bench ({args.bench_seconds} s) ...", flush=True)
        bench = scrapy_bench(work, args.bench_seconds)
        databases: list[Database] = [Database(work / "newswatch.db")]
        if pg_url:
            from bench_queries import postgres_schema  # noqa: PLC0415 (SQLAlchemy only when needed)
            from sqlalchemy.engine import make_url

            url = stack.enter_context(postgres_schema(pg_url))
            schema = str(make_url(url).query["options"]).removeprefix("-csearch_path=")
            databases.append(PostgresDatabase(url, schema))
        else:
            print("PostgreSQL: skipped (NEWSWATCH_TEST_PG_URL not set)")
        with replica(args.articles, args.page_size, conditional=False) as server:
            print(f"replica at {server.section_url}", flush=True)
            for database in databases:
                crawls += crawl_pair(work, database, server, args.max_pages, labels)
            print("plain Scrapy spider ...", flush=True)
            plain = plain_spider(work, server, args.max_pages)
        if not args.skip_conditional:
            with replica(args.articles, args.page_size, conditional=True) as server:
                crawls += crawl_pair(work, Database(work / "conditional.db"), server, args.max_pages,
                                     ("full crawl, ETag on", "re-crawl, ETag on (304)"))
    return report(args, crawls, bench, plain)


if __name__ == "__main__":
    raise SystemExit(main())
