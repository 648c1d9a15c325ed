"""Extraction never stops at what a page holds: a link it cannot parse is left out and noted, a
huge inline script is skipped, the rest is kept."""

from __future__ import annotations

from crawler.extract import extract_article, extract_listing
from crawler.profile import Selectors

BAD = ["http://127.0.0.1:99999/a-1.html", "http://[::1/a-2.html", "http://h:abc/a-3.html"]
SELECTORS = Selectors(article_links="h3 a", title="h1", body="#body", related=".related a",
                      next_page="a.next")


def _anchors(hrefs: list[str]) -> str:
    return "".join(f'<h3><a href="{href}">Tin {i}</a></h3>' for i, href in enumerate(hrefs))


def test_a_listing_keeps_its_good_links_and_notes_the_bad_ones() -> None:
    good = [f"/bai-{n}-2630{n:02d}.html" for n in range(10)]
    mixed = good[:4] + BAD[:2] + good[4:7] + BAD[2:] + good[7:]
    html = f'<html><body>{_anchors(mixed)}<a class="next" href="http://[::1/p2">»</a></body></html>'

    listing = extract_listing(html, "https://congthuong.vn/khuyen-cong", SELECTORS)

    assert [item.url for item in listing.items] == [f"https://congthuong.vn{path}" for path in good]
    page = "https://congthuong.vn/khuyen-cong"
    assert {(d.link, d.page_url) for d in listing.dropped_links} == {(h, page) for h in [*BAD, "http://[::1/p2"]}
    assert {d.reason for d in listing.dropped_links if d.link == BAD[0]} == {"Port out of range 0-65535"}
    assert listing.next_page is None


def test_an_article_with_bad_links_and_image_sources_is_still_read() -> None:
    html = (
        '<html><head><base href="http://[::1/"></head><body><h1>Tiêu đề</h1><div id="body">'
        '<p>Đoạn đầu của bài viết, <a href="http://[::1/x">một liên kết hỏng</a>.</p>'
        '<img src="http://127.0.0.1:99999/anh.jpg"><img src="http://[::1/anh2.jpg">'
        '<img src="/anh-tot.jpg"></div>'
        f'<div class="related"><a href="{BAD[0]}">Tin hỏng</a><a href="/tin-lien-quan-2.html">Tin tốt</a>'
        "</div></body></html>"
    )

    article = extract_article(html, "https://congthuong.vn/bai-1.html", SELECTORS)

    assert article.title == "Tiêu đề"
    assert "một liên kết hỏng" in article.body and 'href="http://[' not in article.body_html
    assert [r.url for r in article.related] == ["https://congthuong.vn/tin-lien-quan-2.html"]
    assert [d.link for d in article.dropped_links] == [BAD[0]]
    assert "https://congthuong.vn/anh-tot.jpg" in [i.url for i in article.images]


def test_a_text_node_over_ten_megabytes_does_not_hide_the_body() -> None:
    state = "x" * 11_000_000  # libxml2's default limit for one text node is 10 MB
    html = (f"<html><head><script>window.__STATE__ = '{state}';</script></head><body><h1>Tiêu đề</h1>"
            '<div id="body"><p>Nội dung bài viết sau một kịch bản rất lớn.</p></div></body></html>')

    article = extract_article(html, "https://congthuong.vn/bai-1.html", SELECTORS)

    assert article.body == "Nội dung bài viết sau một kịch bản rất lớn."
