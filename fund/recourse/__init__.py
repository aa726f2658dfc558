"""Recourse against convicted offenders (Art. 11): convictions, cases, payments and the ledger."""
