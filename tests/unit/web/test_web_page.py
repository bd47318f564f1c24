"""Serving the live page: only shipped files, the right types, nothing from elsewhere."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from streams.web.api import end_minute, int_param
from streams.web.page import CSP, SHIPPED, install_page, load_assets, respond


def test_every_shipped_file_is_in_the_package() -> None:
    assets = load_assets()
    assert set(assets) == set(SHIPPED)
    for name, asset in assets.items():
        assert asset.body, name
        assert asset.content_type == SHIPPED[name]
        assert re.fullmatch(r'"[0-9a-f]{20}"', asset.etag)


@pytest.mark.parametrize(
    "name",
    [
        "../worker.py",
        "..",
        "%2e%2e%2fpage.py",
        "/etc/passwd",
        "page.py",
        "__init__.py",
        "APP.JS",
        "app.js ",
        "",
    ],
)
def test_names_outside_the_allow_list_are_not_found(name: str) -> None:
    assert respond(load_assets(), name, None) == (404, None)


def test_etag_revalidation() -> None:
    assets = load_assets()
    status, asset = respond(assets, "app.js", None)
    assert status == 200
    assert asset is assets["app.js"]
    assert respond(assets, "app.js", asset.etag)[0] == 304
    assert respond(assets, "app.js", f'"other", {asset.etag}')[0] == 304
    assert respond(assets, "app.js", '"other"')[0] == 200


def test_the_page_loads_nothing_from_another_host() -> None:
    assets = load_assets()
    html = assets["index.html"].body.decode()
    referenced = set(re.findall(r'(?:src|href)="([^"]+)"', html))
    assert referenced <= {"#main"} | {f"/static/{name}" for name in SHIPPED}
    for name, asset in assets.items():
        text = asset.body.decode()
        # the SVG namespace is a name, not a request
        urls = set(re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}", text))
        assert urls <= {"http://www.w3.org"}, (name, urls)
    assert "connect-src 'self'" in CSP
    assert "default-src 'none'" in CSP


def test_the_script_never_injects_html() -> None:
    script = load_assets()["app.js"].body.decode()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script


class FakeResponse:
    def __init__(self, body: Any, status: int, headers: dict[str, str]) -> None:
        self.body = body
        self.status = status
        self.headers = headers


class FakeWeb:
    def bytes(
        self, value: bytes, *, status: int = 200, headers: dict[str, str] | None = None
    ) -> FakeResponse:
        return FakeResponse(value, status, headers or {})

    def json(
        self, value: Any, *, status: int = 200, headers: dict[str, str] | None = None
    ) -> FakeResponse:
        return FakeResponse(value, status, headers or {})


class FakeRequest:
    def __init__(self, headers: dict[str, str] | None = None) -> None:
        self.headers = headers or {}


class FakeApp:
    def __init__(self) -> None:
        self.routes: dict[str, Callable[..., Any]] = {}

    def page(self, path: str, name: str | None = None) -> Callable[[Any], Any]:
        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            assert path not in self.routes
            self.routes[path] = handler
            return handler

        return register


async def test_install_page_routes() -> None:
    app = FakeApp()
    install_page(app)
    assert set(app.routes) == {"/", "/static/{name}"}
    web = FakeWeb()

    index = await app.routes["/"](web, FakeRequest())
    assert index.status == 200
    assert index.headers["Content-Type"] == "text/html; charset=utf-8"
    assert index.headers["Content-Security-Policy"] == CSP
    assert index.headers["X-Content-Type-Options"] == "nosniff"
    assert b'<html lang="en">' in index.body

    css = await app.routes["/static/{name}"](web, FakeRequest(), name="app.css")
    assert css.status == 200
    assert css.headers["Content-Type"] == "text/css; charset=utf-8"
    again = await app.routes["/static/{name}"](
        web, FakeRequest({"If-None-Match": css.headers["ETag"]}), name="app.css"
    )
    assert (again.status, again.body) == (304, b"")

    missing = await app.routes["/static/{name}"](web, FakeRequest(), name="..")
    assert missing.status == 404
    assert missing.body["error"] == "not_found"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, 60), ("", 60), ("5", 5), ("1440", 1440)],
)
def test_int_param(raw: str | None, expected: int) -> None:
    query = {} if raw is None else {"minutes": raw}
    assert int_param(query, "minutes", 60, 5, 1440) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [("x", "minutes must be an integer"), ("4", "between 5 and 1440"), ("1441", "between")],
)
def test_int_param_refuses(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        int_param({"minutes": raw}, "minutes", 60, 5, 1440)


def test_end_minute_counts_from_the_newest_event() -> None:
    assert end_minute(600.5, 10_000.0) == 10
    assert end_minute(None, 10_000.0) == 166
