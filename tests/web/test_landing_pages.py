"""Each staff member lands where their work starts, after signing in and at "/".

The rule (fund/web/landing.py): intake, reviewers and approvers land on the worklist; else finance
on the payouts; else heads of unit (supervisors) on the supervision page; else auditors on the
audit; else administrators on the administration. With several roles the first of these that
applies decides.
"""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.web_helpers import sign_in

LANDINGS = [
    (("intake",), "/worklist"),
    (("reviewer",), "/worklist"),
    (("approver",), "/worklist"),
    (("finance",), "/payouts"),
    (("auditor",), "/audit"),
    (("admin",), "/admin"),
    (("supervisor",), "/supervision"),
    # Several roles: the first that applies, in the order officer roles, finance, supervisor,
    # auditor, admin.
    (("approver", "admin"), "/worklist"),
    (("intake", "supervisor"), "/worklist"),
    (("finance", "supervisor"), "/payouts"),
    (("supervisor", "auditor"), "/supervision"),
    (("reviewer", "finance"), "/worklist"),
    (("finance", "auditor"), "/payouts"),
    (("finance", "admin"), "/payouts"),
    (("auditor", "admin"), "/audit"),
]


@pytest.mark.parametrize(("roles", "landing"), LANDINGS, ids=["+".join(roles) for roles, _ in LANDINGS])
def test_staff_land_on_the_page_of_their_work_after_signing_in_and_at_the_start(app, staff, roles, landing):
    staff.user("someone", *roles)
    client = app.test_client()

    signed_in = sign_in(client, "someone", PASSWORD)
    start = client.get("/")
    page = client.get(landing)

    assert signed_in.status_code == 302 and signed_in.headers["Location"] == landing
    assert start.status_code == 302 and start.headers["Location"] == landing
    assert page.status_code == 200  # the landing page is one the user may open


def test_a_page_asked_for_before_signing_in_is_still_where_one_lands(app, staff):
    staff.user("farida", "finance")
    client = app.test_client()
    client.get("/ledger")  # sent to sign in first

    from tests.web_helpers import csrf_token

    token = csrf_token(client, "/sign-in?next=/ledger")
    signed_in = client.post(
        "/sign-in?next=/ledger", data={"username": "farida", "password": PASSWORD, "csrf_token": token}
    )

    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/ledger"


def test_visitors_who_are_not_signed_in_find_the_claimant_portal(client):
    answer = client.get("/")
    assert answer.status_code == 302 and answer.headers["Location"] == "/portal"
