"""The six input events of contract v1, strict at the edge.

Every model is frozen, strict and rejects unknown fields; all decoding goes through
`EVENT_ADAPTER.validate_json(raw_bytes)` (no `json.loads` first), which picks the model
by `event_type`. Lists are tuples so that the frozen events are hashable too.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from schemas.fields import (
    ArticleId,
    Author,
    CampaignId,
    CountryCode,
    CurrencyCode,
    EventId,
    HttpUrl,
    Placement,
    ReaderId,
    SectionSlug,
    SessionId,
    Tag,
    Timestamp,
    Title,
    UserAgent,
    Variant,
)

SUPPORTED_SCHEMA_VERSION = 1
"""The only `schema_version` these models accept; a higher one is dead-lettered."""

MAX_WORD_COUNT = 10_000_000  # keeps counts inside int64 for orjson and the stores
MAX_AMOUNT_MINOR = 1_000_000_000


def _check_schema_version(value: int) -> int:
    """Name a newer version apart from garbage: the decoder routes them differently."""
    if value > SUPPORTED_SCHEMA_VERSION:
        raise PydanticCustomError(
            "unsupported_schema_version",
            "schema_version {version} is newer than the supported {supported}",
            {"version": value, "supported": SUPPORTED_SCHEMA_VERSION},
        )
    if value != SUPPORTED_SCHEMA_VERSION:
        raise PydanticCustomError(
            "schema_version_invalid",
            "schema_version must be {supported}",
            {"supported": SUPPORTED_SCHEMA_VERSION},
        )
    return value


# An int check rather than Literal[1]: Literal[1] lets `true` through (True == 1).
SchemaVersion = Annotated[
    int,
    AfterValidator(_check_schema_version),
    WithJsonSchema({"const": SUPPORTED_SCHEMA_VERSION, "type": "integer"}),
]


class EventBase(BaseModel):
    """The envelope every event shares."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    event_id: EventId
    schema_version: SchemaVersion
    occurred_at: Timestamp
    sent_at: Timestamp | None = None


class ArticlePublished(EventBase):
    """The CMS published or updated an article; a repeat `article_id` is an update."""

    event_type: Literal["article.published"]
    article_id: ArticleId
    url: HttpUrl
    title: Title
    section: SectionSlug
    authors: Annotated[tuple[Author, ...], Field(max_length=20)]
    tags: Annotated[tuple[Tag, ...], Field(max_length=50)]
    language: Literal["en", "ru"]
    published_at: Timestamp
    word_count: Annotated[int, Field(ge=0, le=MAX_WORD_COUNT)] | None = None


class PageViewed(EventBase):
    """A page view; `article_id` is absent on home and section fronts."""

    event_type: Literal["page.viewed"]
    article_id: ArticleId | None = None
    url: HttpUrl
    reader_id: ReaderId
    session_id: SessionId
    referrer: HttpUrl | None = None
    country: CountryCode | None = None
    device: Literal["desktop", "mobile", "tablet", "other"]
    user_agent: UserAgent | None = None


class BannerEventBase(EventBase):
    """Fields shared by the donation-prompt banner events."""

    campaign_id: CampaignId
    variant: Variant
    reader_id: ReaderId
    session_id: SessionId
    article_id: ArticleId | None = None
    placement: Placement | None = None


class BannerShown(BannerEventBase):
    """A donation banner was rendered to a reader."""

    event_type: Literal["banner.shown"]


class BannerClicked(BannerEventBase):
    """A reader clicked the banner's call to action."""

    event_type: Literal["banner.clicked"]


class BannerDismissed(BannerEventBase):
    """A reader closed the banner or asked to be reminded later."""

    event_type: Literal["banner.dismissed"]
    reason: Literal["close", "remind_later"]


class DonationCompleted(EventBase):
    """A payment succeeded; `campaign_id`/`variant` attribute it to a prompt when known."""

    event_type: Literal["donation.completed"]
    reader_id: ReaderId
    amount_minor: Annotated[int, Field(gt=0, le=MAX_AMOUNT_MINOR)]
    currency: CurrencyCode
    frequency: Literal["one_time", "monthly", "annual"]
    campaign_id: CampaignId | None = None
    variant: Variant | None = None


Event = Annotated[
    ArticlePublished
    | PageViewed
    | BannerShown
    | BannerClicked
    | BannerDismissed
    | DonationCompleted,
    Field(discriminator="event_type"),
]

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
"""Decode with `EVENT_ADAPTER.validate_json(raw_bytes)`; it raises `ValidationError`."""

EVENT_MODELS: dict[str, type[EventBase]] = {
    "article.published": ArticlePublished,
    "page.viewed": PageViewed,
    "banner.shown": BannerShown,
    "banner.clicked": BannerClicked,
    "banner.dismissed": BannerDismissed,
    "donation.completed": DonationCompleted,
}
EVENT_TYPES: frozenset[str] = frozenset(EVENT_MODELS)

TOPIC_EVENT_TYPES: dict[str, frozenset[str]] = {
    "cms.article-published": frozenset({"article.published"}),
    "web.page-viewed": frozenset({"page.viewed"}),
    "web.banner-events": frozenset({"banner.shown", "banner.clicked", "banner.dismissed"}),
    "payments.donation-completed": frozenset({"donation.completed"}),
}


class _VersionPeek(BaseModel):
    """Only the version, ignoring everything else, for the dead-letter decision."""

    model_config = ConfigDict(frozen=True, strict=True, extra="ignore")

    schema_version: int


_VERSION_PEEK: TypeAdapter[_VersionPeek] = TypeAdapter(_VersionPeek)


def peek_schema_version(raw: bytes | str) -> int | None:
    """Return the integer `schema_version` of a JSON object, or None if there is none.

    Meant for the error path: an event of a newer version may also carry a new
    `event_type` or new fields, so the full validation error does not say why it failed.
    """
    try:
        return _VERSION_PEEK.validate_json(raw).schema_version
    except ValidationError:
        return None
