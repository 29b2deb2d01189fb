from __future__ import annotations

from pathlib import Path

import pytest

from tui.pacemaker.crm_mon import parse_status
from tui.pacemaker.model import Snapshot

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CRM_MON = FIXTURES / "crm_mon"
CIB = FIXTURES / "cib"


def load(name: str) -> bytes:
    return (CRM_MON / name).read_bytes()


def snapshot(name: str) -> Snapshot:
    outcome = parse_status(load(name))
    assert isinstance(outcome, Snapshot), outcome
    return outcome


@pytest.fixture
def full() -> Snapshot:
    return snapshot("full.xml")
