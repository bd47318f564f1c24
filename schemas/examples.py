"""Realistic example events, published in each JSON Schema's `examples`.

They are the documentation producers copy from, so the export refuses to write an
example that the models reject, and the tests decode every committed one.
"""

from __future__ import annotations

from typing import Any

_READER = "rdr_7Qm2xV9kLp3T"
_SESSION = "ses_20261127_b41f9c"
_UA_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)

EXAMPLES: dict[str, tuple[dict[str, Any], ...]] = {
    "article.published": (
        {
            "event_id": "ff95ec11-a386-479c-bbd4-56abaae213f1",
            "event_type": "article.published",
            "schema_version": 1,
            "occurred_at": "2026-11-27T18:04:05.123Z",
            "sent_at": "2026-11-27T18:04:05.301Z",
            "article_id": "cms:48213",
            "url": "https://news.example.org/world/2026/11/27/climate-summit-methane-deal",
            "title": "Climate summit ends with a last-minute deal on methane",
            "section": "world",
            "authors": ["Maya Okafor", "Daniel Weiss"],
            "tags": ["climate", "cop31", "energy"],
            "language": "en",
            "published_at": "2026-11-27T18:00:00Z",
            "word_count": 1240,
        },
        {
            "event_id": "35b4f640-6b49-4c2e-ac0a-3702703b4441",
            "event_type": "article.published",
            "schema_version": 1,
            "occurred_at": "2026-11-27T21:30:02.418+03:00",
            "article_id": "cms:48230",
            "url": "https://news.example.org/ru/moskva/2026/11/27/pervyj-sneg",
            "title": "Москва готовится к первому снегопаду этой зимы",
            "section": "moskva",
            "authors": ["Анна Смирнова"],
            "tags": ["погода", "москва"],
            "language": "ru",
            "published_at": "2026-11-27T21:30:00+03:00",
        },
    ),
    "page.viewed": (
        {
            "event_id": "139261fd-e105-424d-8e74-4c2bbf580e6b",
            "event_type": "page.viewed",
            "schema_version": 1,
            "occurred_at": "2026-11-27T18:12:44.907Z",
            "sent_at": "2026-11-27T18:12:45.002Z",
            "article_id": "cms:48213",
            "url": "https://news.example.org/world/2026/11/27/climate-summit-methane-deal",
            "reader_id": _READER,
            "session_id": _SESSION,
            "referrer": "https://www.google.com/",
            "country": "GB",
            "device": "mobile",
            "user_agent": _UA_IPHONE,
        },
        {
            "event_id": "7b48e0d8-dd01-4b66-ae2a-db33754cbb12",
            "event_type": "page.viewed",
            "schema_version": 1,
            "occurred_at": "2026-11-27T18:13:10Z",
            "url": "https://news.example.org/",
            "reader_id": "rdr_Zt81nWc0QhYe",
            "session_id": "ses_20261127_77ad03",
            "device": "desktop",
        },
    ),
    "banner.shown": (
        {
            "event_id": "f08f9b77-6bf3-46e2-86bc-03ad152357a1",
            "event_type": "banner.shown",
            "schema_version": 1,
            "occurred_at": "2026-11-27T18:12:46.120Z",
            "campaign_id": "giving-tuesday-2026",
            "variant": "b_urgent",
            "reader_id": _READER,
            "session_id": _SESSION,
            "article_id": "cms:48213",
            "placement": "article-footer",
        },
        {
            "event_id": "80af835e-10e6-4c39-be8d-a3f2f701207a",
            "event_type": "banner.shown",
            "schema_version": 1,
            "occurred_at": "2026-11-27T18:13:11.004Z",
            "campaign_id": "giving-tuesday-2026",
            "variant": "a_control",
            "reader_id": "rdr_Zt81nWc0QhYe",
            "session_id": "ses_20261127_77ad03",
        },
    ),
    "banner.clicked": (
        {
            "event_id": "b83c590f-66d3-47e5-a24e-9e96cb5f023e",
            "event_type": "banner.clicked",
            "schema_version": 1,
            "occurred_at": "2026-11-27T18:13:02.551Z",
            "campaign_id": "giving-tuesday-2026",
            "variant": "b_urgent",
            "reader_id": _READER,
            "session_id": _SESSION,
            "article_id": "cms:48213",
            "placement": "article-footer",
        },
        {
            "event_id": "eb5381a7-e393-492f-9796-46b3e6c5a37a",
            "event_type": "banner.clicked",
            "schema_version": 1,
            "occurred_at": "2026-11-27T21:41:19+03:00",
            "sent_at": "2026-11-27T21:41:20.250+03:00",
            "campaign_id": "zima-2026",
            "variant": "control",
            "reader_id": "rdr_Lx40pQa7MvRn",
            "session_id": "ses_20261127_c0ffee",
            "placement": "homepage-top",
        },
    ),
    "banner.dismissed": (
        {
            "event_id": "2137aba0-c6fb-4956-95de-c54381a86835",
            "event_type": "banner.dismissed",
            "schema_version": 1,
            "occurred_at": "2026-11-27T18:13:20.010Z",
            "campaign_id": "giving-tuesday-2026",
            "variant": "a_control",
            "reader_id": "rdr_Zt81nWc0QhYe",
            "session_id": "ses_20261127_77ad03",
            "reason": "close",
        },
        {
            "event_id": "6953a90b-9824-41d8-93a5-8cd17038321c",
            "event_type": "banner.dismissed",
            "schema_version": 1,
            "occurred_at": "2026-11-27T18:20:05.733Z",
            "campaign_id": "giving-tuesday-2026",
            "variant": "b_urgent",
            "reader_id": "rdr_Hc5sUe2oBw9D",
            "session_id": "ses_20261127_9e1a44",
            "article_id": "cms:48198",
            "placement": "article-inline",
            "reason": "remind_later",
        },
    ),
    "donation.completed": (
        {
            "event_id": "b67b8c3d-1010-4cb6-a7c3-9d895e06e6ad",
            "event_type": "donation.completed",
            "schema_version": 1,
            "occurred_at": "2026-11-27T18:15:37.264Z",
            "reader_id": _READER,
            "amount_minor": 500,
            "currency": "USD",
            "frequency": "monthly",
            "campaign_id": "giving-tuesday-2026",
            "variant": "b_urgent",
        },
        {
            "event_id": "e88131c9-d580-422a-9374-485891adba3f",
            "event_type": "donation.completed",
            "schema_version": 1,
            "occurred_at": "2026-11-27T22:02:11.880+03:00",
            "reader_id": "rdr_Lx40pQa7MvRn",
            "amount_minor": 150000,
            "currency": "RUB",
            "frequency": "one_time",
        },
    ),
}
