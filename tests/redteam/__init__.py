"""Red-team suite: hostile lru-cache submissions graded by the real engine."""
