"""nbval's sanitize file makes machine-dependent output compare equal across machines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from nbval.plugin import get_sanitize_patterns

PATTERNS = get_sanitize_patterns(
    (Path(__file__).resolve().parent.parent / "notebooks" / "sanitize.cfg").read_text())


def sanitize(text: str) -> str:
    """What nbval does to both sides of a comparison: every pattern, in file order."""
    for regex, replace in PATTERNS:
        text = re.sub(regex, replace, text)
    return text


@pytest.mark.parametrize(("here", "there"), [
    ("Initialized the database at /tmp/workbook-keug9hvr/mailer.sqlite",
     "Initialized the database at /var/folders/x1/abc_d/T/workbook-q2w3e4r5/mailer.sqlite"),
    ("DATABASE=/tmp/workbook-orvvg4ih/mailer.sqlite OUTBOX_DIR=/tmp/workbook-orvvg4ih/outbox "
     "rq worker --url redis://127.0.0.1:57087/0 mailers",
     "DATABASE=/private/tmp/workbook-a1b2c3d4/mailer.sqlite "
     "OUTBOX_DIR=/private/tmp/workbook-a1b2c3d4/outbox rq worker --url redis://127.0.0.1:6390/0 "
     "mailers"),
    ("running at redis://127.0.0.1:41045/0 (pid 12345); database and outbox are in "
     "/tmp/workbook-xi67ocve.", "running at redis://127.0.0.1:6379/0 (pid 7); database and outbox "
     "are in /home/ada/tmp/workbook-zz9zz9zz."),
])
def test_machine_paths_ports_and_pids_compare_equal(here, there):
    assert sanitize(here) == sanitize(there)
    assert "WORKBENCH" in sanitize(here)
