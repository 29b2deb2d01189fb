import pytest

from tests.demo.conftest import T0, FakeClock
from tui.sim import build_demo


@pytest.fixture
def clock():
    return FakeClock(T0)


@pytest.fixture
def sim(clock):
    """A still demo cluster (no scripted life) on a fake clock."""
    return build_demo(seed=0, clock=clock, life=False)
