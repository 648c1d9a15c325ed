"""A replica of the ministry's news sites on loopback: realistic pages, mutable between crawls."""

from replica.content import slugify
from replica.dates import DATE_STYLES, VN_TZ, date_line, header_clock
from replica.profiles import congthuong_profile_toml, moit_listing, portal_profile_toml
from replica.render import portal_metadata_time
from replica.routes import content_etag
from replica.server import ReplicaError, ReplicaServer
from replica.site import (
    CONGTHUONG_MARKUPS,
    LoggedRequest,
    ReplicaArticle,
    ReplicaSite,
    build_site,
    expected,
)

__all__ = [
    "CONGTHUONG_MARKUPS",
    "DATE_STYLES",
    "VN_TZ",
    "LoggedRequest",
    "ReplicaArticle",
    "ReplicaError",
    "ReplicaServer",
    "ReplicaSite",
    "build_site",
    "congthuong_profile_toml",
    "content_etag",
    "date_line",
    "expected",
    "header_clock",
    "moit_listing",
    "portal_metadata_time",
    "portal_profile_toml",
    "slugify",
]
