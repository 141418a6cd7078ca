import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "busy: re-executes the chapters that time code while every core is kept busy "
        "(bounded: a few minutes; deselect with -m 'not busy')",
    )
