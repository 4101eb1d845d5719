"""The eligibility domain: versioned policies per tier, answers stored for audit, and re-deciding after a refresh."""
