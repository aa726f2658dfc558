"""The rules of recourse (Art. 11) in two small functions: what each offender owes, what may still
be recovered. Pure: numbers in, numbers out; the services and the ledger call nothing else for it.

The reading we implement (the issue's): "each member of a group of offenders owes separately"
means every convicted offender owes the whole amount the fund paid, as a debt of their own;
recovered payments are recorded against one offender's debt. The state suffers its loss once,
so what may be recovered on a case in all is the amount paid, once: when money comes back from
any offender, every other offender's recoverable balance falls with it, and the case is settled
when the amount paid has come back. The ledger's "outstanding" is therefore the amount paid less
what was recovered, per case: never the sum of the offenders' debts.
"""

from __future__ import annotations


def owed_by_each_offender(amount_paid_kzt: int, offender_count: int) -> int:
    """What each convicted offender of a case owes the fund, in tenge, for a claim paid with
    ``amount_paid_kzt``: the whole amount, by each of the ``offender_count`` offenders separately.

    Verify with the fund's lawyers: whether Art. 11 makes each member of a group owe the whole
    amount (our reading, the issue's) or a share of it (then this returns the share, and nothing
    else changes: each debt stays its own balance and the case cap below still holds).
    """
    if amount_paid_kzt <= 0 or offender_count <= 0:
        raise ValueError("a recourse debt needs a positive amount paid and at least one offender")
    return amount_paid_kzt


def case_outstanding(amount_paid_kzt: int, recovered_on_case_kzt: int) -> int:
    """What may still be recovered on a case: the amount paid less everything recovered from any of
    its offenders (never below zero). This is the legally recoverable balance the ledger adds up.
    """
    return max(amount_paid_kzt - recovered_on_case_kzt, 0)


def debt_recoverable(
    amount_owed_kzt: int, recovered_from_offender_kzt: int, case_outstanding_kzt: int
) -> int:
    """What may still be recovered from one offender: their own balance, but never more than the
    case still lacks (a payment above this is refused as over-recovery).
    """
    return max(min(amount_owed_kzt - recovered_from_offender_kzt, case_outstanding_kzt), 0)
