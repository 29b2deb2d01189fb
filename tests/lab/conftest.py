from tests.lab.fixtures import anylab, lab, lab3  # noqa: F401  (session fixtures for tests/lab/)
