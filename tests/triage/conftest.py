"""Triage fixtures: the shipped kind model is loaded once per test session."""

import pytest

from complaintdesk.triage.kind import KindModel, get_default_model


@pytest.fixture(scope="session")
def kind_model() -> KindModel:
    return get_default_model()
