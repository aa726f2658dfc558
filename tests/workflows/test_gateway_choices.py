"""Which way each gateway went, read from a claim's stored state, and the flows a drawing shows as
taken with it: of two flows between the same gateway and element, only the one the claim took.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.engine_helpers import (
    BPMN_DIR,
    Claim,
    approve,
    claim_facts,
    drive_longest_claim,
    drive_to_approval,
    drive_to_payment,
    return_to_review,
)
from workflows.diagram import claim_flows_taken
from workflows.gateway_choices import gateway_choices

MAIN_XML = (BPMN_DIR / "compensation_claim.bpmn").read_bytes()
COMPLETE = "flow_documents_check_to_start_review_round"
AT_LIMIT = "flow_documents_check_to_start_review_round_at_limit"
INCOMPLETE = "flow_documents_check_to_request_documents"
AGAIN = "flow_return_limit_to_start_review_round"
NOW = datetime(2027, 1, 1, tzinfo=UTC)


def taken(claim: Claim, *, with_choices: bool = True) -> set[str]:
    steps = [step for outcome in claim.outcomes for step in outcome.steps]
    now = claim.outcome
    ready = {t.name for t in now.ready_tasks}
    waiting = {t.name for t in now.timers} | set(now.waiting_messages)
    chosen = gateway_choices(claim.process, claim.state, NOW) if with_choices else None
    return claim_flows_taken(steps, ready, waiting, bpmn_xml=MAIN_XML, chosen=chosen)


def test_a_claim_whose_documents_were_complete_took_the_complete_flow_only():
    paid = drive_to_payment(Claim(claim_facts("torture")))

    assert gateway_choices(paid.process, paid.state, NOW)["documents_check"] == [COMPLETE]
    assert COMPLETE in taken(paid) and AT_LIMIT not in taken(paid)
    # The steps alone cannot tell the two flows to the review apart.
    assert {COMPLETE, AT_LIMIT} <= taken(paid, with_choices=False)


def test_the_longest_claim_went_to_review_after_five_requests_not_complete():
    longest = drive_longest_claim()

    choices = gateway_choices(longest.process, longest.state, NOW)

    assert choices["documents_check"] == [INCOMPLETE] * 5 + [AT_LIMIT]
    assert {INCOMPLETE, AT_LIMIT} <= taken(longest) and COMPLETE not in taken(longest)


def test_a_claim_returned_twice_took_the_loop_back_to_review_each_time():
    claim = drive_to_approval(Claim(claim_facts("torture")))
    for _ in range(2):
        claim.decide(return_to_review()).later(days=1).review("approve").later(days=1)
    claim.decide(approve())

    choices = gateway_choices(claim.process, claim.state, NOW)

    assert choices["return_limit"] == [AGAIN, AGAIN]
    assert choices["approval_decision"] == [
        "flow_approval_decision_to_return_limit",
        "flow_approval_decision_to_return_limit",
        "flow_approval_decision_to_decide_award",
    ]
    assert {AGAIN, "flow_approval_decision_to_return_limit", COMPLETE} <= taken(claim)
    assert AT_LIMIT not in taken(claim)
