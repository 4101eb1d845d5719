"""Test doubles for the retry tests: clock, sleeper, scripted call, scripted RNG."""


class FakeClock:
    def __init__(self, now: float = 500.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class FakeSleeper:
    """Records every sleep and advances the clock by it."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.clock.now += seconds


class ScriptedCall:
    """Each invocation returns (or raises, if it is an exception) the next outcome.

    `cost` seconds are added to the clock on every invocation, to simulate slow
    requests.
    """

    def __init__(self, outcomes, clock: FakeClock | None = None, cost: float = 0.0) -> None:
        self.outcomes = list(outcomes)
        self.clock = clock
        self.cost = cost
        self.calls = 0

    def __call__(self):
        if self.calls >= len(self.outcomes):
            raise AssertionError("call() invoked more often than scripted")
        outcome = self.outcomes[self.calls]
        self.calls += 1
        if self.clock is not None:
            self.clock.now += self.cost
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


class ScriptedRandom:
    def __init__(self, values) -> None:
        self.values = list(values)
        self.calls = 0

    def random(self) -> float:
        if self.calls >= len(self.values):
            raise AssertionError("rng.random() called more often than expected")
        value = self.values[self.calls]
        self.calls += 1
        return value


class NoRandom:
    def random(self) -> float:
        raise AssertionError("rng must not be used")
