"""Shared by the deploy/ configuration tests: the repository, its rule files, and the
command-line tools that check them (Debian's prometheus, prometheus-alertmanager and
docker-compose packages). A missing tool fails the test: a skip would let CI pass
without checking anything. (A plain module, imported by name: pytest puts this folder
on sys.path.)
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
DEPLOY = REPO / "deploy"
RULES_DIR = DEPLOY / "prometheus" / "rules"
RULE_TESTS_DIR = DEPLOY / "prometheus" / "tests"

#: the Debian package that brings each tool (what .ci/run installs)
PACKAGES = {
    "promtool": "prometheus",
    "prometheus": "prometheus",
    "amtool": "prometheus-alertmanager",
    "docker-compose": "docker-compose",
}


def require_tool(name: str) -> str:
    """The tool's path, or a failed test that says which package to install."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"`{name}` is not installed: `apt-get install {PACKAGES.get(name, name)}` "
            "(.ci/run installs it)",
            pytrace=False,
        )
    return path


def run_tool(*args: str, timeout: float = 180.0) -> subprocess.CompletedProcess[str]:
    """Run a tool from the repository root; the completed process, output as text."""
    return subprocess.run(
        [require_tool(args[0]), *args[1:]],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def rule_files() -> list[Path]:
    return sorted(RULES_DIR.glob("*.yml"))


def rule_groups() -> list[dict[str, Any]]:
    """Every rule group of every file under deploy/prometheus/rules."""
    return [group for path in rule_files() for group in load_yaml(path)["groups"]]


def all_rules() -> list[dict[str, Any]]:
    return [rule for group in rule_groups() for rule in group["rules"]]


def alerting_rules() -> list[dict[str, Any]]:
    return [rule for rule in all_rules() if "alert" in rule]


def recording_rules() -> list[dict[str, Any]]:
    return [rule for rule in all_rules() if "record" in rule]
