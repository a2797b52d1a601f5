"""The design system and htmx are served, and every page sends htmx the CSRF header."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/static/cd.css", "/static/vendor/htmx.min.js"])
def test_stylesheet_and_htmx_are_served(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)


def test_pages_carry_the_csrf_header_for_htmx(client, owner):
    client.force_login(owner)
    body = client.get("/desk/").content.decode()
    assert "hx-headers='{\"X-CSRFToken\": \"" in body
    assert "/static/vendor/htmx.min.js" in body and "/static/cd.css" in body
