"""Serve the live page: `/` and its few static files, shipped inside the package.

No directory is ever served: only the names in `SHIPPED` exist, read once when the
routes are installed, so a request can never reach another file (`..`, encoded slashes
or absolute paths simply are not in the allow-list). Every response carries a Content
Security Policy that lets the page talk to this worker only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

#: the shipped files, by the name they are served under, with their content types
SHIPPED: dict[str, str] = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    "icon.svg": "image/svg+xml",
}

#: the page and its scripts may talk to the worker that served them, and to nothing else
CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # revalidate every time (cheap: ETag), so a new release is never half-cached
    "Cache-Control": "no-cache",
}


@dataclass(frozen=True)
class Asset:
    """One shipped file, ready to serve."""

    body: bytes
    content_type: str
    etag: str


def load_assets() -> dict[str, Asset]:
    """Every shipped file from the package's `static/` folder."""
    folder = resources.files("streams.web") / "static"
    assets = {}
    for name, content_type in SHIPPED.items():
        body = (folder / name).read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        assets[name] = Asset(body, content_type, etag)
    return assets


def respond(assets: dict[str, Asset], name: str, if_none_match: str | None) -> tuple[int, Any]:
    """(status, what to send) for a request of `name`: the asset, 304 or 404."""
    asset = assets.get(name)
    if asset is None:
        return 404, None
    if if_none_match is not None and asset.etag in {t.strip() for t in if_none_match.split(",")}:
        return 304, asset
    return 200, asset


Handler = Callable[..., Awaitable[Any]]


def route(app: Any, path: str, handler: Handler) -> None:
    """`@app.page(path)` without the decorator syntax (Faust's decorator is untyped)."""
    app.page(path, name=f"web_{handler.__name__}")(handler)


def install_page(app: Any) -> None:
    """Register `/` (the page) and `/static/{name}` (its files) on the worker."""
    assets = load_assets()

    def serve(web: Any, request: Any, name: str) -> Any:
        status, asset = respond(assets, name, request.headers.get("If-None-Match"))
        if status == 404:
            return web.json(
                {"error": "not_found", "message": f"no static file {name!r}"},
                status=404,
                headers=dict(HEADERS),
            )
        headers = {**HEADERS, "ETag": asset.etag}
        if status == 304:
            return web.bytes(b"", status=304, headers=headers)
        # aiohttp refuses a charset in `content_type=`: the header says it all
        return web.bytes(asset.body, headers={**headers, "Content-Type": asset.content_type})

    async def index(web: Any, request: Any) -> Any:
        return serve(web, request, "index.html")

    async def static(web: Any, request: Any, name: str) -> Any:
        return serve(web, request, name)

    route(app, "/", index)
    route(app, "/static/{name}", static)
