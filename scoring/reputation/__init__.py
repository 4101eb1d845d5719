"""Reputation: point-in-time features from an event history, the calibrated model and its prior."""
