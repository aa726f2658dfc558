"""Payout batches, the Treasury's register (CSV, pain.001) and its status files."""
