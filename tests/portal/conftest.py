import pytest


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the process-wide local-memory cache; start each test empty."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
