"""The scoring package's error hierarchy.

Everything the reputation and eligibility code raises derives from
`ScoringError`, so `service/` can map the whole family to problem details in
one table. Each error carries the fields a caller needs to name the fault.
"""

from __future__ import annotations


class ScoringError(Exception):
    """Base of every error raised by `scoring`."""


class EventLineInvalid(ScoringError):  # noqa: N818 - the name the platform's importers already use
    """One line of a bulk event history could not be read as an event."""

    def __init__(self, lineno: int, reason: str, field: str | None = None) -> None:
        self.lineno = lineno
        self.reason = reason
        self.field = field
        super().__init__(f"line {lineno}: {reason}")


class InsufficientHistoryError(ScoringError):
    """Too few labelled milestones to train a model; the prior must serve."""

    def __init__(self, labelled: int, required: int) -> None:
        self.labelled = labelled
        self.required = required
        super().__init__(
            f"{labelled} labelled milestones, {required} needed to train a model; use the prior"
        )


class UntrustedModelError(ScoringError):
    """Stored model bytes are malformed or name types outside the trusted list."""

    def __init__(self, reason: str, untrusted: tuple[str, ...] = ()) -> None:
        self.reason = reason
        self.untrusted = untrusted
        super().__init__(reason if not untrusted else f"{reason}: {', '.join(untrusted)}")


class InputMismatchError(ScoringError):
    """Inputs that must describe the same thing do not (candidate, tier, feature layout)."""


class FeatureMismatchError(InputMismatchError):
    """Features were computed with a layout the scorer does not expect."""
