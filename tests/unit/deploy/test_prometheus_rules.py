"""deploy/prometheus: the rules pass promtool, their unit tests pass, every rule is tested,
and every alert follows the conventions (CONVENTIONS.md, "Metrics and alerts")."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_support import (
    DEPLOY,
    RULE_TESTS_DIR,
    alerting_rules,
    load_yaml,
    recording_rules,
    rule_files,
    run_tool,
)

RUNBOOK = DEPLOY / "runbook.md"
RECORD_NAME = re.compile(r"^[a-z_]*:[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$")
ALERT_NAME = re.compile(r"^Pulse(?:[A-Z][a-z0-9]*)+$")
SEVERITIES = {"critical", "warning", "info"}
REQUIRED_ALERTS = {
    # the issue's list, one alert (at least) each
    "PulseSiteEngagementDropWeekOverWeek",
    "PulseSiteEngagementDropVsLastHours",
    "PulseSectionEngagementDropWeekOverWeek",
    "PulseSectionEngagementDropVsLastHours",
    "PulseCampaignConversionDrop",
    "PulseCampaignClickThroughDrop",
    "PulseCampaignDismissalJump",
    "PulseInputStreamSilent",
    "PulseDeadLetterRateHigh",
    "PulseConsumerLagHigh",
    "PulseConsumerStalled",
    "PulseWorkerDown",
    "PulseAllWorkersDown",
}


def rule_test_files() -> list[Path]:
    return sorted(RULE_TESTS_DIR.glob("*.test.yml"))


def duration_s(text: str) -> int:
    """A Prometheus duration (`1h5m`, `7d2h`, `30m`, `90s`) in seconds."""
    units = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
    parts = re.findall(r"(\d+)([wdhms])", text)
    assert parts and "".join(n + u for n, u in parts) == text, text
    return sum(int(n) * units[u] for n, u in parts)


# --------------------------------------------------------------------------- promtool


def test_promtool_check_rules() -> None:
    files = [str(p) for p in rule_files()]
    assert len(files) == 3
    result = run_tool("promtool", "check", "rules", *files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(files)


def test_promtool_check_config() -> None:
    """The compose stack's prometheus.yml, with the rule files it loads."""
    result = run_tool("promtool", "check", "config", "deploy/prometheus/prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 rule files found" in result.stdout


@pytest.mark.parametrize("path", rule_test_files(), ids=lambda p: p.name)
def test_promtool_unit_tests(path: Path) -> None:
    result = run_tool("promtool", "test", "rules", str(path.relative_to(DEPLOY.parent)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_unit_tests_catch_a_wrong_expectation(tmp_path: Path) -> None:
    """The harness can fail: a test expecting an alert that does not fire is an error."""
    test = {
        "rule_files": [str(p) for p in rule_files()],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": 'up{job="pulse",instance="w1:6066"}', "values": "1x30"}
                ],
                "alert_rule_test": [
                    {
                        "eval_time": "20m",
                        "alertname": "PulseWorkerDown",
                        "exp_alerts": [{"exp_labels": {"severity": "warning"}}],
                    }
                ],
            }
        ],
    }
    path = tmp_path / "wrong.test.yml"
    path.write_text(yaml.safe_dump(test))
    result = run_tool("promtool", "test", "rules", str(path))
    assert result.returncode != 0
    assert "PulseWorkerDown" in result.stdout + result.stderr


# --------------------------------------------------------------------- conventions


def test_the_issues_alerts_exist() -> None:
    assert {r["alert"] for r in alerting_rules()} >= REQUIRED_ALERTS


def test_rule_names_are_unique_and_well_formed() -> None:
    alerts = [r["alert"] for r in alerting_rules()]
    assert len(alerts) == len(set(alerts))
    for name in alerts:
        assert ALERT_NAME.match(name), name
    for rule in recording_rules():
        assert RECORD_NAME.match(rule["record"]), rule["record"]


@pytest.mark.parametrize("rule", alerting_rules(), ids=lambda r: r["alert"])
def test_alert_style(rule: dict[str, Any]) -> None:
    assert duration_s(rule["for"]) > 0
    assert rule["labels"]["severity"] in SEVERITIES
    annotations = rule["annotations"]
    assert set(annotations) == {"summary", "description", "runbook_url"}
    assert "{{" not in annotations["summary"], "summary is one static sentence"
    assert annotations["summary"].endswith("."), annotations["summary"]
    assert "{{" in annotations["description"], "description is templated"
    assert annotations["runbook_url"] == f"deploy/runbook.md#{rule['alert'].lower()}"


def runbook_sections() -> dict[str, str]:
    text = RUNBOOK.read_text(encoding="utf-8")
    parts = re.split(r"^## (\S+)\n", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_runbook_has_a_section_per_alert_and_no_other() -> None:
    sections = runbook_sections()
    assert set(sections) == {r["alert"] for r in alerting_rules()}
    for name, body in sections.items():
        for part in ("**What it means.**", "**How to check.**", "**What to do.**"):
            assert part in body, f"{name}: no {part}"


def test_runbook_links_between_sections_resolve() -> None:
    text = RUNBOOK.read_text(encoding="utf-8")
    anchors = {name.lower() for name in runbook_sections()}
    links = re.findall(r"\]\(#([a-z0-9-]+)\)", text)
    assert links
    assert set(links) <= anchors


# ------------------------------------------------------------------ test coverage


def rule_tests() -> list[tuple[Path, dict[str, Any]]]:
    return [(path, load_yaml(path)) for path in rule_test_files()]


def test_each_test_file_orders_the_groups_it_loads() -> None:
    """promtool evaluates groups it is not told about in random order, which shifts an
    alert by one interval from run to run: every file names records before alerts."""
    groups_by_file = {
        path.name: [g["name"] for g in load_yaml(path)["groups"]] for path in rule_files()
    }
    for path, doc in rule_tests():
        loaded = [g for f in doc["rule_files"] for g in groups_by_file[Path(f).name]]
        order = doc.get("group_eval_order", [])
        assert sorted(order) == sorted(loaded), path.name
        assert all(not g.endswith(".alerts") for g in order[: len(order) // 2]), path.name


def test_every_recording_rule_has_an_expression_test() -> None:
    tested: set[str] = set()
    for _, doc in rule_tests():
        for group in doc["tests"]:
            for case in group.get("promql_expr_test", []):
                if case["exp_samples"]:
                    tested |= set(re.findall(r"[a-z_]*:[a-z0-9_]+:[a-z0-9_]+", case["expr"]))
    assert {r["record"] for r in recording_rules()} <= tested


def label_key(alert: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(alert.get("exp_labels", {}).items()))


@pytest.mark.parametrize("rule", alerting_rules(), ids=lambda r: r["alert"])
def test_every_alert_is_tested_around_its_for_window_and_resolves(rule: dict[str, Any]) -> None:
    """For each alert some test shows a label set not firing at one evaluation and firing
    at the next (the end of `for:`), with its full labels and annotations, and later not
    firing again (resolved)."""
    name = rule["alert"]
    onsets, resolutions, full = 0, 0, 0
    for path, doc in rule_tests():
        step = duration_s(doc.get("evaluation_interval", "1m"))
        for group in doc["tests"]:
            firing: dict[int, set[tuple[tuple[str, str], ...]]] = defaultdict(set)
            checked: set[int] = set()
            for case in group.get("alert_rule_test", []):
                if case["alertname"] != name:
                    continue
                t = duration_s(case["eval_time"])
                checked.add(t)
                for alert in case["exp_alerts"]:
                    firing[t].add(label_key(alert))
                    labels = alert["exp_labels"]
                    assert labels["severity"] == rule["labels"]["severity"], path.name
                    if set(alert.get("exp_annotations", {})) == set(rule["annotations"]):
                        full += 1
            for t in sorted(firing):
                for key in firing[t]:
                    if t - step in checked and key not in firing[t - step]:
                        onsets += 1
                    if any(u > t and key not in firing[u] for u in checked):
                        resolutions += 1
    assert onsets, f"{name}: no check just before and just after its for: window"
    assert resolutions, f"{name}: no check that it resolves"
    assert full, f"{name}: no firing check with all its annotations"


def test_every_alert_has_an_absent_data_case() -> None:
    """CONVENTIONS.md: each alert is also tested with no input data at all."""
    checked: set[str] = set()
    for _, doc in rule_tests():
        for group in doc["tests"]:
            if not group.get("input_series"):
                checked |= {case["alertname"] for case in group.get("alert_rule_test", [])}
    assert checked == {r["alert"] for r in alerting_rules()}
