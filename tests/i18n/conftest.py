"""The Russian checks reuse the insight, claims and staffing fixtures."""

from tests.claims.conftest import atm_claim, atm_matrix  # noqa: F401
from tests.claims.test_claims_page import decided_history  # noqa: F401
from tests.insights.conftest import mk  # noqa: F401
