# The real-Pacemaker lab fixtures (tests/lab): one lab per version per test session.
from tests.lab.fixtures import anylab, lab, lab3  # noqa: F401
