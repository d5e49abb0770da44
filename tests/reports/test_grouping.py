"""Rows gathered by key: hand-counted cases, rows left out by ``-1``, and no rows at all."""

from __future__ import annotations

import numpy as np

from codebench.reports.grouping import distinct, key_runs, summed

# Five rows × two columns; keys 1, -1 (left out), 0, 1, 0.
KEYS = np.array([1, -1, 0, 1, 0])
MATRIX = np.array([[1, 0], [1, 1], [0, 1], [1, 1], [1, 0]], dtype=bool)


def test_key_runs_orders_stably_and_marks_run_starts() -> None:
    order, ordered, starts = key_runs(KEYS)
    assert order.tolist() == [2, 4, 0, 3]  # key 0: rows 2, 4; key 1: rows 0, 3 (row 1 left out)
    assert ordered.tolist() == [0, 0, 1, 1]
    assert starts.tolist() == [0, 2]


def test_summed_counts_each_key_and_leaves_out_minus_one() -> None:
    # key 0: rows 2 + 4 = [1, 1]; key 1: rows 0 + 3 = [2, 1]; key 2 has no rows.
    assert summed(KEYS, 3, MATRIX).tolist() == [[1, 1], [2, 1], [0, 0]]


def test_distinct_counts_cases_not_rows() -> None:
    # Two groups (size 2); key = case * 2 + group. Rows: case 0 group 0 twice, case 1 group 0, case 2 group 1.
    keys = np.array([0, 0, 2, 5, -1])
    matrix = np.array([[1, 0], [1, 1], [1, 0], [0, 1], [1, 1]], dtype=bool)
    # group 0: column 0 carried by cases 0 and 1 → 2, column 1 by case 0 → 1; group 1: case 2 on column 1.
    assert distinct(keys, 2, matrix).tolist() == [[2, 1], [0, 1]]


def test_no_rows_and_all_left_out() -> None:
    for keys in (np.zeros(0, dtype=np.int64), np.array([-1, -1])):
        matrix = np.ones((keys.shape[0], 3), dtype=bool)
        order, ordered, starts = key_runs(keys)
        assert order.shape[0] == ordered.shape[0] == starts.shape[0] == 0
        assert summed(keys, 2, matrix).tolist() == [[0, 0, 0], [0, 0, 0]]
        assert distinct(keys, 2, matrix).tolist() == [[0, 0, 0], [0, 0, 0]]
