"""The event contract (v1) as pydantic models, and their generated JSON Schemas."""

from schemas.events import (
    EVENT_ADAPTER,
    EVENT_MODELS,
    EVENT_TYPES,
    SUPPORTED_SCHEMA_VERSION,
    TOPIC_EVENT_TYPES,
    ArticlePublished,
    BannerClicked,
    BannerDismissed,
    BannerEventBase,
    BannerShown,
    DonationCompleted,
    Event,
    EventBase,
    PageViewed,
    peek_schema_version,
)

__all__ = [
    "EVENT_ADAPTER",
    "EVENT_MODELS",
    "EVENT_TYPES",
    "SUPPORTED_SCHEMA_VERSION",
    "TOPIC_EVENT_TYPES",
    "ArticlePublished",
    "BannerClicked",
    "BannerDismissed",
    "BannerEventBase",
    "BannerShown",
    "DonationCompleted",
    "Event",
    "EventBase",
    "PageViewed",
    "peek_schema_version",
]
