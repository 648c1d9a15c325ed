"""The change policy on its own: what each finding means, decided from plain records, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from monitor import policy, versioning
from storage.records import LatestVersion, PageState, Snapshot
from tests import records

T0 = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
CONTEXT = policy.Context(baseline=False, now=T0)
SELECTED = {"title": "selector h1.article-title", "body": "selector #articleBody",
            "lead": "selector .sapo", "published_at": "selector .article-date"}


def snap(title: str = "Giá điện tăng", body: str = "Nội dung.", *, lead: str = "Tóm tắt.",
         sources: dict[str, str] | None = None, at: datetime = T0) -> Snapshot:
    return records.snapshot("congthuong", "c:1", "https://congthuong.vn/a-1.html",
                            records.fields(title, lead, body, published_at=T0), at=at,
                            sources=SELECTED if sources is None else sources)


def stored(of: Snapshot, *, sources: dict[str, str] | None = SELECTED, **more: Any) -> PageState:
    """The page as the store would describe it with `of` as its only version."""
    latest = LatestVersion(1, of.content_hash, of.fields.title, of.fields.published_at, sources,
                           of.fields)
    return replace(PageState.unknown("c:1"), known=True, titles=(of.fields.title,), latest=latest,
                   reported_before=True, **more)


def test_an_article_never_seen_is_new() -> None:
    made = policy.decide_article(PageState.unknown("c:1"), snap(), CONTEXT, None)

    assert (made.outcome, made.write.version, made.write.new_version) == ("new", 1, True)
    assert made.write.event is not None and made.write.event.event.kind == "new"
    assert made.state.latest is not None and made.state.latest.number == 1


def test_a_page_reported_by_an_earlier_run_gets_no_second_new() -> None:
    listed = replace(PageState.unknown("c:1"), known=True, listed_title="Giá điện tăng",
                     reported_before=True)

    made = policy.decide_article(listed, snap(), CONTEXT, None)

    assert (made.outcome, made.write.event) == ("new", None)


def test_changed_edit_fields_make_an_edit_naming_them() -> None:
    before = snap()
    made = policy.decide_article(stored(before), snap(body="Nội dung đã sửa."), CONTEXT, before.fields)

    assert (made.outcome, made.edited, made.source_changed) == ("changed", ("body",), ())
    assert made.write.event is not None
    assert (made.write.event.event.kind, made.write.event.event.fields) == ("edited", ("body",))


def test_a_field_read_from_elsewhere_with_another_value_is_no_edit() -> None:
    before = snap()
    fallback = {**SELECTED, "title": "generic: h1", "lead": "meta og:description"}
    redesigned = snap(title="Giá điện tăng - Báo Công Thương", lead="Tóm tắt khác.", sources=fallback)

    made = policy.decide_article(stored(before), redesigned, CONTEXT, before.fields)

    assert (made.outcome, made.edited, made.write.event) == ("changed", (), None)
    assert made.source_changed == ("title", "lead")
    assert made.previous_sources == {"title": "selector h1.article-title", "lead": "selector .sapo"}
    assert made.write.new_version and made.state.latest is not None
    assert made.state.latest.sources == fallback


def test_an_edit_beside_a_moved_field_is_still_an_edit() -> None:
    before = snap()
    moved = snap(title="Giá điện tăng mạnh", body="Nội dung mới.",
                 sources={**SELECTED, "title": "generic: h1"})

    made = policy.decide_article(stored(before), moved, CONTEXT, before.fields)

    assert (made.edited, made.source_changed) == (("body",), ("title",))
    assert made.write.event is not None and made.write.event.event.fields == ("body",)


def test_versions_stored_before_sources_were_recorded_keep_every_edit() -> None:
    before = snap()
    made = policy.decide_article(stored(before, sources=None), snap(title="Khác", sources={}),
                                 CONTEXT, before.fields)

    assert (made.edited, made.source_changed) == (("title",), ())


def test_an_unchanged_fetch_read_from_elsewhere_moves_the_sources_only() -> None:
    before = snap()
    same = snap(sources={**SELECTED, "title": "generic: h1"})

    made = policy.decide_article(stored(before), same, CONTEXT, None)

    assert (made.outcome, made.write.new_version, made.write.sources_moved) == ("unchanged", False, True)
    assert policy.decide_article(stored(before), before, CONTEXT, None).write.sources_moved is False


def test_the_previous_fields_are_needed_when_the_hash_differs() -> None:
    with pytest.raises(ValueError, match="needed"):
        policy.decide_article(stored(snap()), snap(body="Khác."), CONTEXT, None)


def test_headlines_new_then_edited_and_a_stale_copy_is_nothing() -> None:
    unknown = PageState.unknown("c:1")
    first = policy.decide_headline(unknown, "congthuong", "u", " Giá  điện tăng ", CONTEXT)
    assert (first.event_kind, first.state.listed_title) == ("new", "Giá điện tăng")

    known = stored(snap(), listed_title="Giá điện tăng")
    assert policy.decide_headline(known, "congthuong", "u", "Giá điện tăng", CONTEXT).write is None
    edited = policy.decide_headline(known, "congthuong", "u", "Giá điện giảm", CONTEXT)
    assert edited.event_kind == "edited" and edited.write is not None
    assert edited.write.event is not None and edited.write.event.event.fields == ("title",)

    retitled = replace(known, listed_title="Giá điện giảm", titles=("Giá điện tăng", "Giá điện giảm"))
    stale = policy.decide_headline(retitled, "congthuong", "u", "Giá điện tăng", CONTEXT)
    assert (stale.write, stale.event_kind, stale.state) == (None, None, retitled)


def test_findings_of_one_run_merge_into_one_event() -> None:
    state = PageState.unknown("c:1")
    new = policy.decide_headline(state, "congthuong", "u", "Tin", CONTEXT)
    made = policy.decide_article(new.state, snap(), CONTEXT, None)
    assert made.write.event is not None
    assert (made.write.event.merge, made.write.event.event.kind) == (True, "new")
    removed = policy.decide_missing(made.state, 404, CONTEXT, removal_after=1)
    assert removed.write is not None and removed.write.event is not None
    assert (removed.event_kind, removed.write.event.requeue) == ("removed", True)
    assert [policy.merged_kind("new", k) for k in ("new", "edited", "removed")] == ["new", "new", "removed"]
    assert policy.merged_kind("edited", "new") == "edited"


def test_a_page_is_removed_on_the_nth_miss_and_only_once() -> None:
    state = stored(snap())
    first = policy.decide_missing(state, 404, CONTEXT, removal_after=2)
    later = replace(CONTEXT, now=T0 + timedelta(hours=1))
    second = policy.decide_missing(first.state, 410, later, removal_after=2)
    third = policy.decide_missing(second.state, 410, later, removal_after=2)

    assert [d.event_kind for d in (first, second, third)] == [None, "removed", None]
    assert second.write is not None and second.write.removed
    assert policy.decide_missing(PageState.unknown("x"), 404, CONTEXT, removal_after=1).write is None
    with pytest.raises(ValueError):
        policy.decide_missing(state, 404, CONTEXT, removal_after=0)


def test_a_304_of_a_known_page_is_a_sighting_of_its_latest_version() -> None:
    decided = policy.decide_not_modified(stored(snap()), T0)
    assert decided.write is not None and decided.write.version == 1
    assert policy.decide_not_modified(PageState.unknown("x"), T0).write is None


def test_the_recorders_one_pass_hashes_are_the_two_hashes_of_the_fields() -> None:
    messy = records.fields("Tiêu\u00a0đề ", "Sa-pô", "Đoạn  một.\n\n\n\nCafe\u0301 hai.\n\n",
                           images=[{"url": "https://x.vn/a/anh.jpg", "caption": " Ảnh "}],
                           published_at="2026-03-07T08:47:13+07:00")
    assert versioning.hashes(messy) == (versioning.content_hash(messy), versioning.body_hash(messy))
    assert versioning.hashes(messy) != versioning.hashes(records.fields("Tiêu đề", "Sa-pô", "Đoạn một."))
