"""Cross-cutting promises: security headers, the OpenAPI document, translations, deploy checks."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.test import Client

from thuocdo.config.api import api

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_security_headers(client: Client) -> None:
    response = client.get("/units/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_committed_openapi_document_matches_the_code() -> None:
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    current = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1"), sort_keys=True))
    assert committed == current, "The API changed: run `make openapi` and commit docs/openapi.json"


@pytest.mark.django_db
def test_openapi_and_docs_are_served_without_a_cdn(client: Client) -> None:
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "Thước Đo API"
    docs = client.get("/api/v1/docs").content.decode()
    assert "cdn." not in docs


def test_every_interface_string_has_an_english_translation() -> None:
    with (ROOT / "thuocdo" / "locale" / "en" / "LC_MESSAGES" / "django.po").open("rb") as handle:
        catalog = read_po(handle)
    missing = [
        m.id
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not missing, f"untranslated: {missing[:5]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:5]}"


@pytest.mark.django_db
def test_english_interface(client: Client) -> None:
    page = client.get("/units/", headers={"Accept-Language": "en"}).content.decode()
    assert ">Units<" in page


def test_production_settings_pass_the_deploy_check() -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "thuocdo.config.settings.prod",
        "SECRET_KEY": "k" * 20 + "a-long-random-production-secret-for-the-check-only-9876543210",
        "ALLOWED_HOSTS": "thuocdo.example.vn",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "thuocdo.config.settings.prod",
        "SECRET_KEY": "",
        "ALLOWED_HOSTS": "x",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
