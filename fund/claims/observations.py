"""What a task may be given from the fund's records when it is completed (its ``observes``).

A user task in bpmn/ may declare ``observes`` (e.g. ``prior_claims``): values the process's rules
read that come from the fund's records rather than from the officer's form, such as whether the
same victim and criminal case has another claim. They are found when the command runs, given to
the engine beside the form's data, and recorded with the command's event (``observed``), so a
replay gives the rules exactly what they were given then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fund.claims.prior_claims import prior_claims
from fund.models import Claim

# Each name a task may observe, and how the fund finds its value for a claim.
OBSERVABLE: dict[str, Callable[[Claim], Any]] = {
    "prior_claims": prior_claims,
}


def unknown_observations(names: tuple[str, ...]) -> list[str]:
    """The names a process version's tasks observe that the fund cannot provide."""
    return [name for name in names if name not in OBSERVABLE]


def observe(claim: Claim, names: tuple[str, ...]) -> dict[str, Any]:
    """The values of ``names`` for the claim, as the fund's records hold them now."""
    return {name: OBSERVABLE[name](claim) for name in names}
