"""A small newsroom written through the storage API, as two crawls would leave it: the data the
web view tests read. Built in milliseconds, with the real versioning rules deciding what is an edit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from crawler.records import PageGone
from storage import Snapshot, Store
from tests import records

SITE = "moit"
OTHER_SITE = "congthuong"
T0 = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)  # 08:00 in Hanoi
SECOND_CRAWL = T0 + timedelta(hours=6)
HOSTILE_TITLE = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> Tin giả'


def url(number: int, site: str = SITE) -> str:
    return f"https://{site}.example/tin-tuc/bai-{number}.html"


@dataclass(frozen=True)
class Newsroom:
    database_url: str
    edited_url: str
    hostile_url: str
    unchanged_url: str
    removed_url: str
    other_site_url: str


class _Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def snapshot(
    number: int,
    title: str,
    body: str,
    *,
    at: datetime,
    site: str = SITE,
    lead: str = "",
    body_html: str | None = None,
    related: list[dict[str, str]] | None = None,
    images: list[dict[str, str]] | None = None,
) -> Snapshot:
    article = records.fields(
        title, lead, body,
        body_html=body_html if body_html is not None else "".join(
            f"<p>{p}</p>" for p in body.split("\n\n")
        ),
        author="Phóng viên", category="Khuyến công", published_at="2025-03-01T07:30:00+07:00",
        images=images or [], related=related or [],
    )
    return records.snapshot(site, url(number, site), url(number, site), article, at=at,
                            raw_html=repr(article).encode())


def _crawl(store: Store, clock: _Clock, at: datetime, site: str, snaps: list[Snapshot],
           *, missing: Sequence[str] = ()) -> None:
    clock.now = at
    baseline = store.is_baseline(site)
    run = store.start_run(site, baseline=baseline)
    gone = [PageGone(identity, identity, 404) for identity in missing]
    records.record(store, run, site, *snaps, *gone, baseline=baseline, clock=clock, removal_after=1)
    clock.now = at + timedelta(minutes=2)
    store.finish_run(run, "completed", requests=len(snaps) + len(missing), pages=len(snaps), failures=0)


def build_newsroom(
    database_url: str,
    *,
    extra: Callable[[Store], None] | None = None,
    image_base: str = "https://images.example",
) -> Newsroom:
    """`image_base` is where the stored articles' images live (a loopback server in browser tests)."""
    clock = _Clock()
    related_before = [{"url": url(7), "title": "Tin cũ"}]
    related_after = [{"url": url(8), "title": "Tin mới hơn"}]
    edited_body = "Bộ Công Thương đẩy mạnh khuyến công.\n\nGiá điện bán lẻ tăng 3% từ tháng Ba."
    photo = [{"url": f"{image_base}/anh-1.jpg", "caption": "Nhà máy điện"}]
    with Store(database_url, clock=clock) as store:
        _crawl(store, clock, T0, SITE, [
            snapshot(1, "Bộ Công Thương họp báo về giá điện", edited_body, at=T0,
                     lead="Sáng nay Bộ Công Thương họp báo.", images=photo, related=related_before),
            snapshot(2, "Xuất khẩu gạo tăng mạnh", "Gạo Việt Nam sang châu Âu.", at=T0,
                     related=related_before),
            snapshot(3, "Đường sắt Bắc Nam", "Dự án được phê duyệt.", at=T0),
        ])
        _crawl(store, clock, T0 + timedelta(minutes=30), OTHER_SITE, [
            snapshot(4, "Khuyến công địa phương", "Tin từ tỉnh.", at=T0, site=OTHER_SITE),
        ])
        later = SECOND_CRAWL
        _crawl(store, clock, later, SITE, [
            snapshot(1, "Bộ Công Thương họp báo về giá xăng",
                     edited_body.replace("tăng 3%", "giảm 2%"), at=later,
                     lead="Sáng nay Bộ Công Thương họp báo.", images=photo, related=related_after),
            snapshot(2, "Xuất khẩu gạo tăng mạnh", "Gạo Việt Nam sang châu Âu.", at=later,
                     related=related_after),
            snapshot(5, HOSTILE_TITLE, "Nội dung <b>không</b> an toàn.", at=later,
                     body_html='<p onclick="window.pwned = 3">Nội dung</p><script>window.pwned = 4</script>'
                               f'<img src="{image_base}/x.png" onerror="window.pwned = 5">'),
        ], missing=[url(3)])
        if extra is not None:
            extra(store)
    return Newsroom(database_url, url(1), url(5), url(2), url(3), url(4, OTHER_SITE))
