"""Markets to evaluate reputation on: independently written generators and real files.

A model tuned on its own simulator can learn the simulator. Each generator here
tells a different story of how work goes well (see each module's docstring), and
`load_market` reads real histories, so a benchmark can ask whether a result
holds across markets rather than in one.

Every builder takes `(seed, scale)`: the same seed gives the same events, and
scale 1.0 is the benchmark size (about 2,000 candidates and 30-40k milestones
over two years), 0.05-0.1 a test size.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from scoring.markets import churning_bazaar, specialist_guild
from scoring.markets.signed_ratings import load_signed_ratings
from scoring.markets.truth import Market, MarketFileInvalid, MarketTruth
from scoring.reputation.events import read_history, validate_history
from scoring.simulator.simulate import MarketSpec, simulate

__all__ = ["MARKETS", "Market", "MarketFileInvalid", "MarketTruth", "load_market"]

MarketBuilder = Callable[[int, float], Market]


def simulator_market(seed: int, scale: float) -> Market:
    """The project's own simulator (`scoring.simulator`), sized like the other markets."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    spec = MarketSpec(
        n_candidates=max(30, round(2000 * scale)),
        n_clients=max(10, round(300 * scale)),
        n_milestones=max(300, round(40_000 * scale)),
        ring_milestones=max(20, round(200 * scale)),
        seed=seed,
    )
    market = simulate(spec)
    truth = market.truth
    return Market(
        name="simulator",
        events=market.events,
        truth=MarketTruth(
            colluding_candidates=truth.ring_candidates,
            colluding_clients=truth.ring_clients,
            fake_milestones=truth.ring_milestones,
            ability=dict(truth.ability),
            notes="The project's own simulator; its story is in scoring/simulator/market.py.",
        ),
    )


MARKETS: dict[str, MarketBuilder] = {
    "simulator": simulator_market,
    churning_bazaar.NAME: churning_bazaar.build,
    specialist_guild.NAME: specialist_guild.build,
}


def load_market(path: Path) -> Market:
    """A market from a file: `.jsonl` events in the import format, or a `.csv` signed-rating
    network. Strict: the first unreadable or out-of-order line raises `MarketFileInvalid`."""
    match path.suffix.lower():
        case ".jsonl":
            return _load_events(path)
        case ".csv":
            return load_signed_ratings(path)
        case other:
            raise MarketFileInvalid(
                path, f"unknown kind of market file {other!r}; expected .jsonl or .csv"
            )


def _load_events(path: Path) -> Market:
    parsed = read_history(path.read_bytes())
    problems = parsed.problems or validate_history(parsed.events, linenos=parsed.linenos)
    if problems:
        first = problems[0]
        more = f" ({len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise MarketFileInvalid(path, first.reason + more, first.lineno)
    notes = f"read from {path.name}: {len(parsed.events)} events in the import format."
    return Market(name=path.stem, events=parsed.events, truth=MarketTruth(notes=notes))
