"""The reputation domain: history import, refreshes, ratings, training, and how scores are shown."""
