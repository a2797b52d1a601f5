"""Collected static files go out under content-hashed names, cached for years, gzip-compressed;
before collectstatic has run, pages still link files that are served."""

import re

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def collected(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


def test_collected_plotly_is_hashed_compressed_and_cached_for_years(collected, owner):
    client = Client()  # a new client starts a new WhiteNoise that scans the collected files
    client.force_login(owner)
    page = client.get("/desk/staffing/").content.decode()
    (src,) = re.findall(r'<script src="([^"]*plotly[^"]*)"', page)
    assert re.fullmatch(r"/static/vendor/plotly\.min\.[0-9a-f]{12}\.js", src)
    response = client.get(src, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"]
    max_age = int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1))
    assert max_age >= 365 * 24 * 3600
    compressed = b"".join(response.streaming_content)
    assert len(compressed) < (collected / "vendor" / "plotly.min.js").stat().st_size / 2


def test_without_collectstatic_pages_link_plain_names_that_are_served(settings, tmp_path, owner):
    settings.STATIC_ROOT = tmp_path / "never-collected"
    client = Client()
    client.force_login(owner)
    response = client.get("/desk/staffing/")
    assert response.status_code == 200
    for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', response.content.decode()):
        assert client.get(src).status_code == 200, src
