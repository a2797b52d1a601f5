"""Compiled linear scores: the same bits as scikit-learn's sparse product."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from complaintdesk.triage.compiled import ROWWISE_MIN_CLASSES, _Linear
from complaintdesk.triage.features import SparseRows


@pytest.mark.parametrize("n_classes", [1, 2, 5, ROWWISE_MIN_CLASSES, 14])
def test_linear_scores_are_bit_equal_to_scipy_csr_product(n_classes: int) -> None:
    rng = np.random.default_rng(7)
    n_rows, n_features = 40, 3000
    # Rows from empty to long (pairwise summation would show past 8 and 128 terms).
    lengths = rng.integers(0, 600, n_rows)
    lengths[:3] = [0, 1, 9]
    indices = np.concatenate([np.sort(rng.choice(n_features, k, replace=False))
                              for k in lengths]).astype(np.int64)
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    data = rng.random(len(indices)) / 7
    coef = rng.normal(size=(n_classes, n_features)) * 1e3
    intercept = rng.normal(size=n_classes)
    linear = _Linear(coef, intercept, np.arange(max(n_classes, 2)))
    scores = linear.decision_function(SparseRows(data, indices, indptr, (n_rows, n_features)))
    # sklearn's decision_function: safe_sparse_dot(X, coef.T) + intercept_
    expected = sp.csr_matrix((data, indices, indptr), shape=(n_rows, n_features)) @ coef.T
    expected += intercept
    assert np.array_equal(scores, expected[:, 0] if n_classes == 1 else expected)
    assert np.array_equal(linear.coef_, coef)


def test_expit_is_bit_equal_to_scipy() -> None:
    from scipy.special import expit

    from complaintdesk.triage.compiled import _expit

    values = np.concatenate([np.random.default_rng(3).normal(size=(5000, 3)).ravel() * 8,
                             [0.0, -0.0, 745.0, -745.0, 800.0, -800.0, np.inf, -np.inf]])
    assert np.array_equal(_expit(values), expit(values))
    assert _expit(values.reshape(-1, 1)).shape == (len(values), 1)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab1_ яЁ-'.\n\u0301\u00a0😀中")), max_size=30))
def test_fast_token_pattern_finds_scikit_learns_tokens(text: str) -> None:
    import re

    from complaintdesk.triage.features import DEFAULT_TOKENS, FAST_TOKENS

    assert re.findall(FAST_TOKENS, text) == re.findall(DEFAULT_TOKENS, text)
