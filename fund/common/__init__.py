"""What every part of the fund shares: errors, roles, the clock, staff accounts, identifiers."""
