"""Classify a page view's referrer into the contract's ``referrer_class`` label.

Pure and synchronous; it runs once per page view. Everything that depends only on a
referrer, a page URL or a pair of hosts is cached (all repeat heavily from one view to
the next), so the steady-state cost is a few dict lookups.

Rules, first match wins:

1. No referrer (``None``, empty or blank): ``newsletter`` when the page URL carries
   newsletter UTM tags (``utm_medium`` of ``email``, ``e-mail`` or ``newsletter``, or a
   ``utm_source`` containing ``newsletter``), else ``direct``.
2. ``android-app://<package>`` referrers (Android apps, e.g. the Google app or Gmail)
   are classified by package name.
3. The referrer's host is the page's own host or one of ``site_hosts``, or a subdomain
   of one, ignoring a leading ``www.``: ``internal``.
4. Known hosts, matched by the most specific host suffix (``news.google.com`` matches
   ``google.com``; ``mail.google.com`` is webmail, so it is listed on its own):
   search engines give ``search``, social networks ``social``, webmail ``newsletter``.
   Google, Yandex and Yahoo match under any country domain (``google.co.uk``,
   ``yandex.com.tr``).
5. Otherwise ``newsletter`` if the page URL carries newsletter UTM tags, else ``other``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final, Literal
from urllib.parse import parse_qsl, urlsplit

__all__ = ["REFERRER_CLASSES", "ReferrerClass", "classify_referrer"]

ReferrerClass = Literal["search", "social", "direct", "internal", "newsletter", "other"]

REFERRER_CLASSES: Final[tuple[ReferrerClass, ...]] = (
    "search",
    "social",
    "direct",
    "internal",
    "newsletter",
    "other",
)

# scheme (optional), "//", optional userinfo, then the host: a bracketed IPv6 literal or
# everything up to a port, path, query or fragment.
_URL_HOST: Final = re.compile(
    r"\s*(?:([A-Za-z][A-Za-z0-9+.\-]*):)?//(?:[^/?#@]*@)?(\[[^\]/?#]*\]|[^/?#:]*)"
)

_SEARCH: Final = (
    "bing.com",
    "duckduckgo.com",
    "baidu.com",
    "ecosia.org",
    "startpage.com",
    "qwant.com",
    "search.brave.com",
    "go.mail.ru",
    "ya.ru",
)
_SOCIAL: Final = (
    "facebook.com",  # also m., l., lm.facebook.com
    "fb.me",
    "fb.com",
    "t.co",
    "twitter.com",
    "x.com",
    "instagram.com",
    "linkedin.com",
    "lnkd.in",
    "reddit.com",
    "redd.it",
    "vk.com",
    "vk.ru",
    "ok.ru",
    "t.me",
    "telegram.me",
    "telegram.org",
    "whatsapp.com",
    "wa.me",
    "bsky.app",
    "threads.net",
    "threads.com",
    # Mastodon is federated: only the largest instances are recognisable.
    "mastodon.social",
    "mastodon.online",
    "mstdn.social",
    "youtube.com",
    "youtu.be",
    "tiktok.com",
)
_WEBMAIL: Final = (
    "mail.google.com",
    "outlook.live.com",
    "outlook.office.com",
    "outlook.office365.com",
    "mail.yahoo.com",
    "mail.yandex.ru",
    "mail.yandex.com",
    "e.mail.ru",
)

_HOST_SUFFIXES: Final[dict[str, ReferrerClass]] = {
    **dict.fromkeys(_SEARCH, "search"),
    **dict.fromkeys(_SOCIAL, "social"),
    **dict.fromkeys(_WEBMAIL, "newsletter"),
}

# Brands that own a country domain almost everywhere: ``<brand>.<tld>`` or
# ``<brand>.<co|com|...>.<cc>``.
_BRANDS: Final[dict[str, ReferrerClass]] = {
    "google": "search",
    "yandex": "search",
    "yahoo": "search",
}
_SECOND_LEVELS: Final = frozenset({"co", "com", "net", "org", "ac", "or", "ne", "gov", "edu"})

_ANDROID_APPS: Final[dict[str, ReferrerClass]] = {
    "com.google.android.googlequicksearchbox": "search",
    "ru.yandex.searchplugin": "search",
    "com.yandex.browser": "search",
    "com.google.android.gm": "newsletter",
    "com.microsoft.office.outlook": "newsletter",
    "ru.mail.mailapp": "newsletter",
    "ru.yandex.mail": "newsletter",
    "com.facebook.katana": "social",
    "com.facebook.orca": "social",
    "com.instagram.android": "social",
    "com.twitter.android": "social",
    "com.linkedin.android": "social",
    "com.reddit.frontpage": "social",
    "org.telegram.messenger": "social",
    "com.whatsapp": "social",
    "com.vkontakte.android": "social",
    "ru.ok.android": "social",
    "com.google.android.youtube": "social",
    "com.zhiliaoapp.musically": "social",
}

_NEWSLETTER_MEDIUMS: Final = frozenset({"email", "e-mail", "newsletter"})


def classify_referrer(referrer: str | None, url: str, site_hosts: frozenset[str]) -> ReferrerClass:
    """Return the ``referrer_class`` of a page view (one of :data:`REFERRER_CLASSES`).

    ``referrer`` is the document referrer (absolute URL, or ``None``), ``url`` the
    viewed page's URL and ``site_hosts`` the site's own hosts (any case, with or
    without ``www.``; subdomains of each count as the site too).
    """
    if not referrer or referrer.isspace():
        return "newsletter" if _has_newsletter_utm(url) else "direct"
    parsed = _referrer_host(referrer)
    if parsed is not None:
        android_app, host = parsed
        if android_app:
            app_class = _ANDROID_APPS.get(host)
            if app_class is not None:
                return app_class
        else:
            host_class = _classify_host(host, _page_host(url), site_hosts)
            if host_class is not None:
                return host_class
    return "newsletter" if _has_newsletter_utm(url) else "other"


# The caches below hold URLs: at most ~16 MB each even if every URL were 2 kB long.
@lru_cache(maxsize=8192)
def _referrer_host(referrer: str) -> tuple[bool, str] | None:
    """Whether ``referrer`` is an ``android-app://`` one, and its host (lower case, no
    final dot); None without a host. Cached: referrers repeat (a few search engines and
    social networks send most of them)."""
    match = _URL_HOST.match(referrer)
    if match is None:
        return None
    host = match.group(2).lower().rstrip(".")
    if not host:
        return None
    scheme = match.group(1)
    return scheme is not None and scheme.lower() == "android-app", host


@lru_cache(maxsize=8192)
def _page_host(url: str) -> str:
    """The page URL's host, lower case and without a final dot. Cached: pages repeat."""
    page = _URL_HOST.match(url)
    return page.group(2).lower().rstrip(".") if page is not None else ""


@lru_cache(maxsize=4096)
def _classify_host(host: str, page_host: str, site_hosts: frozenset[str]) -> ReferrerClass | None:
    """Rules 3 and 4 for a referrer host, given the page's host. Cached: few host pairs."""
    if _is_internal(host, page_host, site_hosts):
        return "internal"
    return _host_class(host)


def _has_newsletter_utm(url: str) -> bool:
    # Nearly every URL has no UTM tags at all: skip the parse (and the cache) for them.
    return "utm_" in url and _utm_says_newsletter(url)


@lru_cache(maxsize=4096)
def _utm_says_newsletter(url: str) -> bool:
    try:
        query = urlsplit(url).query
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return False
    for key, value in parse_qsl(query):
        if key == "utm_medium" and value.strip().lower() in _NEWSLETTER_MEDIUMS:
            return True
        if key == "utm_source" and "newsletter" in value.lower():
            return True
    return False


def _strip_www(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


def _is_internal(host: str, page_host: str, site_hosts: frozenset[str]) -> bool:
    ref = _strip_www(host)
    for candidate in (page_host, *site_hosts):
        own = _strip_www(candidate.strip().lower().rstrip("."))
        if own and (ref == own or ref.endswith("." + own)):
            return True
    return False


@lru_cache(maxsize=8192)
def _host_class(host: str) -> ReferrerClass | None:
    labels = host.split(".")
    for i in range(len(labels)):
        known = _HOST_SUFFIXES.get(".".join(labels[i:]))
        if known is not None:
            return known
    for i, label in enumerate(labels):
        brand = _BRANDS.get(label)
        if brand is not None and _is_country_suffix(labels[i + 1 :]):
            return brand
    return None


def _is_country_suffix(rest: list[str]) -> bool:
    """``com``, ``ru``, ``co.uk``, ``com.tr``: what may follow a brand label."""
    if len(rest) == 1:
        return bool(rest[0])
    return len(rest) == 2 and rest[0] in _SECOND_LEVELS and len(rest[1]) == 2
