import pytest

from tui.sim import build_demo

T0 = 1_790_000_000.0  # a fixed "now" for deterministic demo clusters


class FakeClock:
    def __init__(self, t: float = T0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> float:
        self.t += seconds
        return self.t


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def demo(clock):
    return build_demo(seed=0, clock=clock)
