"""Messages to claimants: what each event of a claim says, in Kazakh, Russian and English."""
