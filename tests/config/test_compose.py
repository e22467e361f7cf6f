"""The compose stack: MinIO for exports, a worker per queue, health checks on /readyz."""

from __future__ import annotations

import yaml
from django.conf import settings


def compose() -> dict:
    return yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())


def test_each_queue_has_its_own_worker_and_beat_is_alone():
    services = compose()["services"]
    assert "--queues=interactive" in services["worker"]["command"]
    assert "--queues=heavy" in services["worker-heavy"]["command"]
    assert [name for name, s in services.items() if "beat" in s.get("command", [])] == ["beat"]
    for name in ("worker", "worker-heavy"):
        assert "inspect ping" in services[name]["healthcheck"]["test"][1]


def test_exports_go_to_minio_and_the_web_is_ready_only_when_its_dependencies_are():
    stack = compose()
    services = stack["services"]
    env = services["web"]["environment"]
    assert env["STORAGE_BACKEND"].endswith("s3}") and "minio:9000" in env["S3_ENDPOINT_URL"]
    assert "minio" in services and "miniodata" in stack["volumes"]
    assert services["web"]["depends_on"]["minio-bucket"]["condition"] == (
        "service_completed_successfully"
    )
    assert "/readyz" in services["web"]["healthcheck"]["test"][-1]
    assert env["PROMETHEUS_MULTIPROC_DIR"] and env["DJANGO_SETTINGS_MODULE"].endswith("production")
    for name in ("worker", "worker-heavy", "beat"):
        assert services[name]["environment"]["STORAGE_BACKEND"] == env["STORAGE_BACKEND"]
