import numpy as np
import pytest

from lstm._validate import check_array


def test_named_dimensions_bind_then_check():
    dims = {}
    check_array("x", np.zeros((3, 4)), ("B", "D"), dims)
    assert dims == {"B": 3, "D": 4}
    with pytest.raises(ValueError, match=r"h has shape \(2, 5\); expected \(B, H\)"):
        check_array("h", np.zeros((2, 5)), ("B", "H"), dims)
    with pytest.raises(ValueError, match=r"expected \(B, D\) = \(3, 4\)"):
        check_array("x2", np.zeros((3, 5)), ("B", "D"), dims)
    with pytest.raises(ValueError, match=r"has shape \(3,\); expected \(\?, 2\)"):
        check_array("v", np.zeros(3), (None, 2))


def test_failed_check_binds_nothing():
    dims = {}
    with pytest.raises(ValueError):
        check_array("x", np.zeros((3, 4)), ("B", 5), dims)
    assert dims == {}


def test_dtypes_and_finiteness():
    assert check_array("a", [1.0, 2.0]).dtype == np.float64
    assert check_array("a", np.zeros(2, np.float32)).dtype == np.float32
    with pytest.raises(TypeError, match="bool"):
        check_array("a", np.array([True]))
    with pytest.raises(TypeError, match="a is an integer"):
        check_array("a", True)
    with pytest.raises(TypeError, match="float16"):
        check_array("a", np.zeros(2, np.float16))
    with pytest.raises(ValueError, match="2 non-finite"):
        check_array("a", [np.nan, np.inf, 1.0])
    assert np.isnan(check_array("a", [np.nan], finite=False)[0])
