"""Moved articles: the identities a page went by before, and finding a page by its body's hash.

An alias names the page an article moved from (its URL before a slug change); lookups by that
identity land on the page. Nothing here decides that two URLs are one article: the change policy
does, and `move` records it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session, aliased

from storage.db import chunks
from storage.models import Page, PageAlias, Site, Version
from storage.records import StoreMove


def resolve(session: Session, identities: Collection[str]) -> dict[str, str]:
    """alias → the identity its page goes by now, for those of `identities` that are aliases."""
    found: dict[str, str] = {}
    for part in chunks(sorted(set(identities))):
        rows = session.execute(select(PageAlias.identity, Page.identity)
                               .join(Page, Page.id == PageAlias.page_id)
                               .where(PageAlias.identity.in_(part)))
        found.update((alias, current) for alias, current in rows)
    return found


def pages_with_body(session: Session, site: str, hashes: Collection[str]) -> dict[str, list[str]]:
    """body hash → identities of the site's pages whose latest version has that body."""
    newer = aliased(Version)
    latest = ~select(newer.id).where(newer.page_id == Version.page_id,
                                     newer.number > Version.number).exists()
    found: dict[str, list[str]] = {}
    for part in chunks(sorted(set(hashes))):
        rows = session.execute(
            select(Version.body_hash, Page.identity)
            .join(Page, Page.id == Version.page_id)
            .join(Site, Site.id == Page.site_id)
            .where(Version.body_hash.in_(part), Site.name == site, latest)
            .order_by(Page.identity)
        )
        for digest, identity in rows:
            if digest is not None:
                found.setdefault(digest, []).append(identity)
    return found


def site_aliases(session: Session, site: str) -> dict[str, str | None]:
    """alias → its page's last listed headline, for every alias of the site's pages."""
    rows = session.execute(select(PageAlias.identity, Page.listed_title)
                           .join(Page, Page.id == PageAlias.page_id)
                           .join(Site, Site.id == Page.site_id).where(Site.name == site))
    return {identity: title for identity, title in rows}


def count(session: Session) -> int:
    return session.scalar(select(func.count(PageAlias.identity))) or 0


def move(session: Session, moves: Sequence[StoreMove]) -> dict[str, str]:
    """Apply `moves` in order; old identity → new, for the batch's other writes."""
    renamed: dict[str, str] = {}
    for moved in moves:
        page_id = session.scalar(select(Page.id).where(Page.identity == moved.old_identity)
                                 .with_for_update())
        if page_id is None:
            raise LookupError(f"no page {moved.old_identity!r} to move to {moved.new_identity!r}")
        # an article moving back to an identity it had before takes it back from its aliases
        session.execute(delete(PageAlias).where(PageAlias.identity == moved.new_identity))
        session.execute(update(Page).where(Page.id == page_id).values(identity=moved.new_identity))
        session.execute(insert(PageAlias).values(identity=moved.old_identity, page_id=page_id,
                                                 created_at=moved.moved_at))
        renamed = {old: (moved.new_identity if new == moved.old_identity else new)
                   for old, new in renamed.items()}
        renamed[moved.old_identity] = moved.new_identity
        renamed.pop(moved.new_identity, None)
    return renamed
