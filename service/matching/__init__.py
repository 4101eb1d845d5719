"""Matching: who fits a milestone, ranked by their predicted chance that it goes well, from
the reputations already stored (a search: nothing is decided or written)."""
