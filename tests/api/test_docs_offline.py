"""/api/v1/docs is served from our own static files: it works without internet."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_docs_page_links_only_local_assets_and_they_are_served(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("swagger-ui-bundle" in a for a in assets) and any("swagger-ui.css" in a for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert client.get(asset).status_code == 200, asset
    assert "cdn." not in page and "https://" not in page
