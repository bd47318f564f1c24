"""Every metric a dashboard or rule names is one the worker exports (streams/metrics.py's
registry), or a recording rule defined in deploy/prometheus/rules, or one of
Prometheus's own series; every label it selects on a worker metric is one that metric
has; and the dashboards are well-formed Grafana JSON whose queries promtool parses."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_support import DEPLOY, all_rules, load_yaml, recording_rules, run_tool
from prometheus_client import CollectorRegistry

from streams.metrics import PulseMetrics

DASHBOARDS = DEPLOY / "grafana" / "dashboards"
PROVISIONING = DEPLOY / "grafana" / "provisioning"
#: series Prometheus itself makes: scrape health and the alerts it evaluates
PROMETHEUS_SERIES = {"up": {"job", "instance"}, "ALERTS": {"alertname", "alertstate"}}
#: labels Prometheus adds to every scraped series
TARGET_LABELS = {"job", "instance"}
REQUIRED_DASHBOARDS = {
    "Readership overview",
    "Section breakdown",
    "Banner funnel",
    "Pipeline health",
}

STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
# a name followed by a selector or a range: `name{...}`, `name[5m]`
SELECTED = re.compile(r"(?<![\w:$.])([A-Za-z_:][\w:]*)\s*(?=[{\[])")
# anything shaped like one of ours, wherever it stands
OURS = re.compile(r"(?<![\w:$.])(pulse_\w+|[a-z_]*:[a-z0-9_]+:[a-z0-9_]+)")
SELECTOR = re.compile(r"(?<![\w:$.])([A-Za-z_:][\w:]*)\s*\{([^}]*)\}")
LABEL_MATCHER = re.compile(r"([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)")
NOT_METRICS = {"by", "without", "on", "ignoring", "group_left", "group_right", "offset"}


def exported() -> dict[str, set[str]]:
    """Every series name the worker's registry can export, with its label names."""
    metrics = PulseMetrics(CollectorRegistry())
    names: dict[str, set[str]] = {}
    for value in vars(metrics).values():
        if not hasattr(value, "_labelnames") or not hasattr(value, "_type"):
            continue
        base, labels = value._name, set(value._labelnames) | TARGET_LABELS
        suffixes = {
            "counter": ["_total"],
            "gauge": [""],
            "histogram": ["_bucket", "_sum", "_count"],
        }
        for suffix in suffixes[value._type]:
            names[base + suffix] = labels | ({"le"} if suffix == "_bucket" else set())
    return names


def dashboards() -> dict[str, dict[str, Any]]:
    return {
        p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(DASHBOARDS.glob("*.json"))
    }


def panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for panel in board["panels"]:
        out.append(panel)
        out.extend(panel.get("panels", []))
    return out


def dashboard_queries() -> list[tuple[str, str]]:
    """(where, PromQL) for every panel target and every template variable query."""
    queries = []
    for name, board in dashboards().items():
        for panel in panels(board):
            for target in panel.get("targets", []):
                queries.append((f"{name}: {panel['title']}", target["expr"]))
        for var in board["templating"]["list"]:
            query = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
            match = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", query)
            assert match, f"{name}: variable {var['name']}: {query}"
            queries.append((f"{name}: ${var['name']}", match.group(1)))
    return queries


def rule_queries() -> list[tuple[str, str]]:
    return [(r.get("alert") or r["record"], r["expr"]) for r in all_rules()]


def names_in(expr: str) -> set[str]:
    bare = STRING.sub('""', expr)
    selected = {n for n in SELECTED.findall(bare) if n not in NOT_METRICS}
    return selected | set(OURS.findall(bare))


def unknown_names(expr: str, known: set[str]) -> set[str]:
    return names_in(expr) - known


def known_names() -> set[str]:
    return set(exported()) | {r["record"] for r in recording_rules()} | set(PROMETHEUS_SERIES)


def test_the_registry_exports_the_contract_metrics() -> None:
    """The reference set is the worker's: if this is empty the check below means nothing."""
    names = exported()
    assert {
        "pulse_page_views_total",
        "pulse_bot_page_views_total",
        "pulse_articles_published_total",
        "pulse_banner_events_total",
        "pulse_donations_total",
        "pulse_donation_amount_minor_total",
        "pulse_events_total",
        "pulse_event_lag_seconds_bucket",
        "pulse_last_event_timestamp_seconds",
    } <= set(names)
    assert names["pulse_page_views_total"] == {
        "section",
        "referrer_class",
        "device",
        "job",
        "instance",
    }


@pytest.mark.parametrize(
    ("expr", "unknown"),
    [
        ("sum(rate(pulse_page_view_total[5m]))", {"pulse_page_view_total"}),
        ('node_cpu_seconds_total{mode="idle"}', {"node_cpu_seconds_total"}),
        ("section:pulse_page_views:rate1m", {"section:pulse_page_views:rate1m"}),
        ('sum by (section) (rate(pulse_page_views_total{section="a:b:c"}[5m] offset 1w))', set()),
        ('up{job="pulse"} == 0', set()),
    ],
)
def test_the_check_finds_unknown_names(expr: str, unknown: set[str]) -> None:
    assert unknown_names(expr, known_names()) == unknown


@pytest.mark.parametrize(("where", "expr"), rule_queries() + dashboard_queries())
def test_every_metric_named_is_exported_or_recorded(where: str, expr: str) -> None:
    names = names_in(expr)
    assert names, f"{where}: names no metric"
    assert not names - known_names(), f"{where}: {sorted(names - known_names())}"


def unknown_labels(expr: str) -> set[str]:
    """Labels matched on a worker (or Prometheus) series that the series does not have."""
    labels_of = exported() | PROMETHEUS_SERIES
    unknown = set()
    for name, body in SELECTOR.findall(STRING.sub('"x"', expr)):
        if name in labels_of:
            unknown |= set(LABEL_MATCHER.findall(body)) - labels_of[name]
    return unknown


def test_the_check_finds_unknown_labels() -> None:
    assert unknown_labels('rate(pulse_page_views_total{campaign_id="x", section="y"}[5m])') == {
        "campaign_id"
    }
    assert unknown_labels('pulse_event_lag_seconds_bucket{stream="a", le="+Inf"}') == set()


@pytest.mark.parametrize(("where", "expr"), rule_queries() + dashboard_queries())
def test_labels_selected_on_worker_metrics_exist(where: str, expr: str) -> None:
    assert not unknown_labels(expr), where


def test_dashboard_queries_parse(tmp_path: Path) -> None:
    """promtool parses every dashboard query (Grafana's variables filled in) as the
    expression of a recording rule."""
    subst = {"$__range": "1h", "$__rate_interval": "1m", "$__interval": "1m"}
    rules = []
    for i, (where, expr) in enumerate(dashboard_queries()):
        for var, value in subst.items():
            expr = expr.replace(var, value)
        expr = re.sub(r"\$\w+", ".+", expr)
        rules.append(
            {"record": f"dashboard:query_{i}:check", "expr": expr, "labels": {"at": where}}
        )
    path = tmp_path / "dashboards.rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    result = run_tool("promtool", "check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(rules)} rules found" in result.stdout


def test_the_four_dashboards_exist_with_unique_uids() -> None:
    boards = dashboards()
    assert {b["title"] for b in boards.values()} == REQUIRED_DASHBOARDS
    uids = [b["uid"] for b in boards.values()]
    assert len(set(uids)) == len(uids)


@pytest.mark.parametrize("name", sorted(dashboards()))
def test_dashboard_layout_and_datasource(name: str) -> None:
    board = dashboards()[name]
    datasource = load_yaml(PROVISIONING / "datasources" / "prometheus.yml")["datasources"][0]
    ids, cells = set(), set()
    for panel in panels(board):
        assert panel["id"] not in ids
        ids.add(panel["id"])
        pos = panel["gridPos"]
        assert pos["x"] >= 0 and pos["x"] + pos["w"] <= 24, panel["title"]
        cell = {(pos["x"] + dx, pos["y"] + dy) for dx in range(pos["w"]) for dy in range(pos["h"])}
        assert not cell & cells, f"{panel['title']} overlaps another panel"
        cells |= cell
        if panel["type"] in ("row", "text"):
            continue
        assert panel["description"], panel["title"]
        assert panel["targets"], panel["title"]
        for target in [panel, *panel["targets"]]:
            assert target["datasource"] == {"type": "prometheus", "uid": datasource["uid"]}


def test_provisioning_points_at_the_dashboards() -> None:
    provider = load_yaml(PROVISIONING / "dashboards" / "pulse.yml")["providers"][0]
    compose = load_yaml(DEPLOY.parent / "docker-compose.yml")
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./deploy/grafana/dashboards:{provider['options']['path']}:ro" in mounts
