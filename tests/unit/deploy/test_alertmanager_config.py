"""deploy/alertmanager: amtool accepts the config, alerts route by severity to webhook
receivers, and the inhibition rules name alerts that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from deploy_support import DEPLOY, alerting_rules, load_yaml, run_tool

CONFIG = "deploy/alertmanager/alertmanager.yml"
MATCHER = re.compile(r'alertname(=~|!=|=)"?([^"]*)"?')


def test_amtool_check_config() -> None:
    result = run_tool("amtool", "check-config", CONFIG)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_amtool_rejects_a_broken_config(tmp_path: Path) -> None:
    """The check can fail: a route to a receiver that does not exist."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "route:\n  receiver: nowhere\nreceivers:\n  - name: pulse-page\n", encoding="utf-8"
    )
    result = run_tool("amtool", "check-config", str(broken))
    assert result.returncode != 0


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (["severity=critical", "alertname=PulseConsumerStalled"], "pulse-page"),
        (["severity=warning", "alertname=PulseWorkerDown"], "pulse-ticket"),
        (["severity=info", "alertname=PulseSomethingToKnow"], "pulse-null"),
        (["alertname=PulseWithoutSeverity"], "pulse-ticket"),
    ],
)
def test_routing_by_severity(labels: list[str], receiver: str) -> None:
    result = run_tool("amtool", "config", "routes", "test", f"--config.file={CONFIG}", *labels)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == receiver


def test_every_alert_severity_has_a_route_and_receivers_are_webhooks() -> None:
    config = load_yaml(DEPLOY / "alertmanager" / "alertmanager.yml")
    routed = {
        m.split("=", 1)[1].strip('"')
        for route in config["route"]["routes"]
        for m in route["matchers"]
        if m.startswith("severity=")
    }
    assert {r["labels"]["severity"] for r in alerting_rules()} <= routed
    receivers = {r["name"]: r for r in config["receivers"]}
    for name in ("pulse-page", "pulse-ticket"):
        hooks = receivers[name]["webhook_configs"]
        assert hooks and all(h["url"].startswith("http") and h["send_resolved"] for h in hooks)


def test_inhibition_rules_name_existing_alerts() -> None:
    config = load_yaml(DEPLOY / "alertmanager" / "alertmanager.yml")
    alerts = {r["alert"] for r in alerting_rules()}
    for rule in config["inhibit_rules"]:
        for matcher in rule["source_matchers"] + rule["target_matchers"]:
            match = MATCHER.fullmatch(matcher.replace(" ", ""))
            assert match, matcher
            op, value = match.groups()
            if op == "=":
                assert value in alerts, matcher
            elif op == "=~":
                assert any(re.fullmatch(value, a) for a in alerts), matcher
