from tests.lab.fixtures import lab, lab3  # noqa: F401  (session fixtures for tests/lab/)
