"""deploy/k8s: every Kubernetes resource validates offline against the API's schemas
(kubernetes-validate, strict), the KEDA ScaledObject against the fields of KEDA's
Kafka scaler, and the pieces agree with each other and with the worker's settings."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from deploy_support import DEPLOY

from streams.config import Settings
from streams.topics import PAGE_VIEWS, ROUTED

K8S = DEPLOY / "k8s"
KUBERNETES_VERSION = "1.29.0"  # the oldest release these manifests support

# KEDA's ScaledObject (keda.sh/v1alpha1) as far as these manifests use it, from KEDA's
# documentation: unknown fields are errors, trigger metadata values are strings.
SCALED_OBJECT = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": "keda.sh/v1alpha1"},
        "kind": {"const": "ScaledObject"},
        "metadata": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string"}, "namespace": {"type": "string"}},
        },
        "spec": {
            "type": "object",
            "required": ["scaleTargetRef", "triggers"],
            "additionalProperties": False,
            "properties": {
                "scaleTargetRef": {
                    "type": "object",
                    "required": ["name"],
                    "additionalProperties": False,
                    "properties": {
                        "apiVersion": {"type": "string"},
                        "kind": {"type": "string"},
                        "name": {"type": "string"},
                        "envSourceContainerName": {"type": "string"},
                    },
                },
                "pollingInterval": {"type": "integer", "minimum": 1},
                "cooldownPeriod": {"type": "integer", "minimum": 0},
                "initialCooldownPeriod": {"type": "integer", "minimum": 0},
                "idleReplicaCount": {"type": "integer", "minimum": 0},
                "minReplicaCount": {"type": "integer", "minimum": 0},
                "maxReplicaCount": {"type": "integer", "minimum": 1},
                "fallback": {"type": "object"},
                "advanced": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "restoreToOriginalReplicaCount": {"type": "boolean"},
                        "horizontalPodAutoscalerConfig": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "name": {"type": "string"},
                                "behavior": {"type": "object"},
                            },
                        },
                        "scalingModifiers": {"type": "object"},
                    },
                },
                "triggers": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["type", "metadata"],
                        "additionalProperties": False,
                        "properties": {
                            "type": {"const": "kafka"},
                            "name": {"type": "string"},
                            "useCachedMetrics": {"type": "boolean"},
                            "metricType": {"enum": ["AverageValue", "Value", "Utilization"]},
                            "authenticationRef": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {"name": {"type": "string"}},
                            },
                            "metadata": {
                                "type": "object",
                                "required": ["bootstrapServers", "consumerGroup"],
                                "additionalProperties": False,
                                "properties": {
                                    key: {"type": "string"}
                                    for key in (
                                        "bootstrapServers",
                                        "consumerGroup",
                                        "topic",
                                        "lagThreshold",
                                        "activationLagThreshold",
                                        "offsetResetPolicy",
                                        "allowIdleConsumers",
                                        "scaleToZeroOnInvalidOffset",
                                        "excludePersistentLag",
                                        "limitToPartitionsWithLag",
                                        "partitionLimitation",
                                        "version",
                                        "sasl",
                                        "tls",
                                        "unsafeSsl",
                                    )
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def documents() -> list[tuple[str, dict[str, Any]]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                docs.append((path.name, doc))
    return docs


def by_kind(kind: str) -> list[dict[str, Any]]:
    return [doc for _, doc in documents() if doc["kind"] == kind]


def one(kind: str) -> dict[str, Any]:
    (doc,) = by_kind(kind)
    return doc


def kubernetes_resources() -> list[Any]:
    return [
        pytest.param(doc, id=f"{doc['kind']}/{doc['metadata']['name']}")
        for _, doc in documents()
        if doc["kind"] not in ("ScaledObject", "Kustomization")
    ]


@pytest.mark.parametrize("doc", kubernetes_resources())
def test_resources_validate_against_the_kubernetes_schemas(doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_validator_rejects_an_unknown_field() -> None:
    broken = copy.deepcopy(one("StatefulSet"))
    broken["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_the_required_resources_exist() -> None:
    kinds = {doc["kind"] for _, doc in documents()}
    assert kinds >= {"StatefulSet", "Service", "PodDisruptionBudget", "ScaledObject", "ConfigMap"}


def test_scaled_object_validates_against_kedas_fields() -> None:
    scaled = one("ScaledObject")
    jsonschema.validate(scaled, SCALED_OBJECT)
    broken = copy.deepcopy(scaled)
    broken["spec"]["triggers"][0]["metadata"]["lagThreshold"] = 5000  # not a string
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCALED_OBJECT)


def test_kustomization_lists_every_manifest() -> None:
    kustomization = one("Kustomization")
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files
    assert all((K8S / r).exists() for r in kustomization["resources"])


def selector_matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def test_services_and_budget_select_the_workers() -> None:
    sts = one("StatefulSet")
    pod_labels = sts["spec"]["template"]["metadata"]["labels"]
    assert selector_matches(sts["spec"]["selector"]["matchLabels"], pod_labels)
    services = {s["metadata"]["name"]: s for s in by_kind("Service")}
    assert sts["spec"]["serviceName"] in services
    assert services[sts["spec"]["serviceName"]]["spec"]["clusterIP"] == "None"
    for service in services.values():
        assert selector_matches(service["spec"]["selector"], pod_labels)
        assert {p["targetPort"] for p in service["spec"]["ports"]} == {"http"}
    pdb = one("PodDisruptionBudget")
    assert selector_matches(pdb["spec"]["selector"]["matchLabels"], pod_labels)


def worker_container() -> dict[str, Any]:
    (container,) = one("StatefulSet")["spec"]["template"]["spec"]["containers"]
    return container


def test_worker_pod_serves_the_api_on_6066_with_probes() -> None:
    container = worker_container()
    assert container["ports"] == [{"name": "http", "containerPort": 6066, "protocol": "TCP"}]
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["args"] == ["worker"]


def test_worker_pod_is_non_root_and_keeps_its_data_dir() -> None:
    sts = one("StatefulSet")
    pod = sts["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] >= 1000
    container = worker_container()
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    config = one("ConfigMap")["data"]
    (claim,) = sts["spec"]["volumeClaimTemplates"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts[claim["metadata"]["name"]] == config["PULSE_DATA_DIR"]


def test_worker_advertises_its_pod_ip() -> None:
    env = {e["name"]: e for e in worker_container()["env"]}
    assert env["PULSE_WEB_HOST"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP"


def test_settings_are_ones_the_worker_reads() -> None:
    config = one("ConfigMap")["data"]
    env = {e["name"] for e in worker_container()["env"]}
    fields = {f"PULSE_{name.upper()}" for name in Settings.model_fields}
    assert set(config) | env <= fields
    assert all(isinstance(v, str) for v in config.values())


def test_scaled_object_agrees_with_the_workers() -> None:
    scaled = one("ScaledObject")["spec"]
    sts = one("StatefulSet")
    config = one("ConfigMap")["data"]
    target = scaled["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"], target["name"]) == (
        "apps/v1",
        "StatefulSet",
        sts["metadata"]["name"],
    )
    assert 1 <= scaled["minReplicaCount"] <= scaled["maxReplicaCount"]
    assert scaled["maxReplicaCount"] <= int(config["PULSE_PARTITIONS"])
    prefix = config["PULSE_TOPIC_PREFIX"]
    topics = set()
    for trigger in scaled["triggers"]:
        meta = trigger["metadata"]
        assert meta["bootstrapServers"] == config["PULSE_KAFKA_BOOTSTRAP"]
        assert meta["consumerGroup"] == config["PULSE_APP_ID"]
        assert int(meta["lagThreshold"]) > 0
        topics.add(meta["topic"])
    assert topics == {prefix + PAGE_VIEWS, prefix + ROUTED}


def test_every_manifest_is_in_one_namespace() -> None:
    namespace = one("Namespace")["metadata"]["name"]
    for name, doc in documents():
        if doc["kind"] not in ("Namespace", "Kustomization"):
            assert doc["metadata"]["namespace"] == namespace, name
