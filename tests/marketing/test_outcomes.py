"""Scan and send outcomes are enums: an Outcome reads as "sent:1" in tallies but code decides
on its `kind`, and a kind outside the enum cannot be made."""

import pytest

from marketing.outcomes import Outcome, StepOutcome


def test_outcome_is_its_text_and_carries_its_kind():
    sent = Outcome(StepOutcome.SENT, 2)
    assert (sent, sent.kind, sent.detail, sent.sent) == ("sent:2", StepOutcome.SENT, "2", True)
    stopped = Outcome("stopped", "purchased")
    assert (stopped, stopped.kind, stopped.sent) == ("stopped:purchased", StepOutcome.STOPPED, False)
    assert Outcome(StepOutcome.WAITING) == "waiting"


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        Outcome("snet", 1)
