from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import pytest

from scoring.markets import MARKETS, Market, MarketFileInvalid, load_market
from scoring.markets.signed_ratings import stars_for
from scoring.reputation.events import (
    CandidateJoined,
    Event,
    MilestoneOpened,
    MilestoneOutcome,
    Rating,
    TrialResult,
    encode_event,
    validate_history,
)
from scoring.reputation.history import HistoryIndex, build_index

SCALE = 0.05
GENERATED = ("churning_bazaar", "specialist_guild")
BITCOIN_OTC = Path("/work/shared/data/bitcoin-otc/soc-sign-bitcoinotc.csv")
OLD_TIER_NAMES = {"basic", "standard", "premium", "entry", "expert"}
T = TypeVar("T")
RANK = {CandidateJoined: 0, TrialResult: 1, MilestoneOpened: 2, MilestoneOutcome: 3, Rating: 4}


@pytest.fixture(scope="module")
def built() -> Callable[[str], Market]:
    """Each market once per module at test size: the checks below only read it."""
    cache: dict[str, Market] = {}

    def build(name: str) -> Market:
        if name not in cache:
            cache[name] = MARKETS[name](11, SCALE)
        return cache[name]

    return build


def went_well(index: HistoryIndex) -> np.ndarray:
    """Accepted, on time (so no dispute), rated 4+ if rated."""
    rated_ok = (index.ms_stars == 0) | (index.ms_stars >= 4)
    return np.asarray((index.ms_outcome == 0) & index.ms_on_time & rated_ok)


def of_type(events: tuple[Event, ...], kind: type[T]) -> list[T]:
    return [e for e in events if isinstance(e, kind)]


def write_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ratings.csv"
    path.write_text(text)
    return path


def test_the_registry_names_the_simulator_and_both_generators() -> None:
    assert set(MARKETS) == {"simulator", *GENERATED}


@pytest.mark.parametrize("name", GENERATED)
def test_a_generator_gives_the_same_events_for_the_same_seed(
    name: str, built: Callable[[str], Market]
) -> None:
    again = MARKETS[name](11, SCALE)
    other = MARKETS[name](12, SCALE)
    encoded = [encode_event(e) for e in built(name).events]
    assert encoded == [encode_event(e) for e in again.events]
    assert encoded != [encode_event(e) for e in other.events]
    assert again.truth == built(name).truth


@pytest.mark.parametrize("name", [*GENERATED, "simulator"])
def test_every_market_validates_and_indexes(name: str, built: Callable[[str], Market]) -> None:
    market = built(name)
    assert market.name == name
    assert validate_history(market.events) == ()
    index = build_index(market.events)
    assert len(index.milestone_ids) > 500
    assert market.truth.notes


@pytest.mark.parametrize("name", GENERATED)
def test_events_come_in_time_order_with_ties_in_import_order(
    name: str, built: Callable[[str], Market]
) -> None:
    events = built(name).events
    keys = [(e.at, RANK.get(type(e), 0)) for e in events]
    assert keys == sorted(keys)


@pytest.mark.parametrize("name", GENERATED)
def test_outcomes_follow_openings_and_ratings_follow_outcomes(
    name: str, built: Callable[[str], Market]
) -> None:
    events = built(name).events
    opened = {m.id: m for m in of_type(events, MilestoneOpened)}
    closed = {o.milestone: o.at for o in of_type(events, MilestoneOutcome)}
    assert all(at > opened[m].at for m, at in closed.items())
    assert all(r.at >= closed[r.milestone] for r in of_type(events, Rating))
    assert any(at > opened[m].due for m, at in closed.items())


@pytest.mark.parametrize("name", GENERATED)
def test_a_generated_market_looks_like_a_lived_in_platform(
    name: str, built: Callable[[str], Market]
) -> None:
    market = built(name)
    index = build_index(market.events)
    joins = sorted(e.at for e in of_type(market.events, CandidateJoined))
    assert (joins[-1] - joins[0]).days > 300  # candidates keep arriving
    per_candidate = np.bincount(index.ms_candidate, minlength=index.n_candidates)
    assert per_candidate.max() > 8 * max(np.median(per_candidate), 1)  # heavy-tailed
    tried = set(np.unique(index.trial_candidate).tolist())
    assert 0 < len(tried) < index.n_candidates  # some never take a trial
    closed = index.ms_outcome >= 0
    assert np.any(closed & (index.ms_stars == 0))  # some outcomes go unrated
    assert 0.40 <= went_well(index)[closed].mean() <= 0.70


def test_the_guild_goes_well_about_half_the_time(built: Callable[[str], Market]) -> None:
    index = build_index(built("specialist_guild").events)
    closed = index.ms_outcome >= 0
    assert 0.45 <= went_well(index)[closed].mean() <= 0.65


def test_the_bazaar_uses_tiers_the_old_map_does_not_know_and_they_differ(
    built: Callable[[str], Market],
) -> None:
    events = built("churning_bazaar").events
    index = build_index(events)
    tiers = np.array([m.tier for m in of_type(events, MilestoneOpened)])
    assert set(tiers) - OLD_TIER_NAMES >= {"micro", "high_value"}
    ok, closed = went_well(index), index.ms_outcome >= 0
    assert ok[closed & (tiers == "micro")].mean() > ok[closed & (tiers == "high_value")].mean()


def test_the_bazaar_tags_trials_in_words_milestones_never_use(
    built: Callable[[str], Market],
) -> None:
    events = built("churning_bazaar").events
    trial_skills = {s for t in of_type(events, TrialResult) for s in t.skills}
    milestone_skills = {s for m in of_type(events, MilestoneOpened) for s in m.skills}
    assert trial_skills and milestone_skills
    assert not trial_skills & milestone_skills


def test_the_bazaar_has_many_throwaway_clients(built: Callable[[str], Market]) -> None:
    index = build_index(built("churning_bazaar").events)
    per_client = np.bincount(index.ms_client, minlength=index.n_clients)
    assert np.mean(per_client <= 2) > 0.4


def test_the_guild_records_its_attacks_and_they_are_in_the_events(
    built: Callable[[str], Market],
) -> None:
    market = built("specialist_guild")
    truth = market.truth
    assert truth.colluding_candidates and truth.colluding_clients
    assert truth.fake_milestones and truth.inflated_milestones
    opened = {m.id: m for m in of_type(market.events, MilestoneOpened)}
    candidates = {c.id for c in of_type(market.events, CandidateJoined)}
    assert set(truth.colluding_candidates) <= candidates
    assert set(truth.fake_milestones) <= set(opened)
    assert set(truth.inflated_milestones) <= set(opened)
    outcomes = {o.milestone: o for o in of_type(market.events, MilestoneOutcome)}
    ratings = {r.milestone: r for r in of_type(market.events, Rating)}
    for ident in truth.fake_milestones:
        assert opened[ident].candidate in truth.colluding_candidates
        assert opened[ident].client in truth.colluding_clients
        assert outcomes[ident].outcome == "accepted" and outcomes[ident].on_time
        assert ratings[ident].stars == 5
    assert {ratings[m].stars for m in truth.inflated_milestones if m in ratings} == {5}
    # Ratings-only collusion: the work behind the 5 stars is real, so not all of it went well.
    real = [outcomes[m] for m in truth.inflated_milestones if m in outcomes]
    assert any(o.outcome != "accepted" or not o.on_time for o in real)


def test_the_guild_rewards_skill_fit(built: Callable[[str], Market]) -> None:
    events = built("specialist_guild").events
    index = build_index(events)
    declared = {c.id: set(c.skills) for c in of_type(events, CandidateJoined)}
    in_core = np.array(
        [set(m.skills) <= declared[m.candidate] for m in of_type(events, MilestoneOpened)]
    )
    ok, closed = went_well(index), index.ms_outcome >= 0
    assert ok[closed & in_core].mean() > ok[closed & ~in_core].mean() + 0.1


@pytest.mark.parametrize(
    ("rating", "stars"), [(10, 5), (3, 5), (2, 4), (1, 4), (0, 3), (-1, 2), (-3, 2), (-4, 1)]
)
def test_signed_ratings_map_to_stars_on_the_file_scale(rating: int, stars: int) -> None:
    assert stars_for(rating, -10, 10) == stars


def test_a_plus_or_minus_one_network_maps_to_the_extremes() -> None:
    assert stars_for(1, -1, 1) == 5
    assert stars_for(-1, -1, 1) == 1


@pytest.mark.parametrize("header", ["", "SOURCE,TARGET,RATING,TIME\n"])
def test_a_signed_rating_went_well_exactly_when_it_was_positive(
    tmp_path: Path, header: str
) -> None:
    lines = [
        "1,2,4,1289241912",
        "2,1,-3,1289241912",
        "3,2,0,1289241950",
        "1,2,1,1289242000",  # the same pair again: its own milestone
        "2,2,-10,1289242100",
        "4,3,10,1289242100",
    ]
    path = write_csv(tmp_path, header + "\n".join(lines) + "\n")
    market = load_market(path)
    assert validate_history(market.events) == ()
    index = build_index(market.events)
    signs = {
        f"rating-{i + 1 + bool(header)}": int(ln.split(",")[2]) > 0 for i, ln in enumerate(lines)
    }
    assert dict(zip(index.milestone_ids, went_well(index).tolist(), strict=True)) == signs
    assert "trader-2" in index.candidate_ids and "trader-2" in index.client_ids
    assert market.truth.fake_milestones == () and market.truth.colluding_candidates == ()


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ("1,2,3", "4 fields"),
        ("1,2,three,1289241912", "RATING"),
        ("1,2,nan,1289241912", "RATING"),
        ("1,,3,1289241912", "TARGET"),
        ("1,2,3,99999999999", "TIME"),
    ],
)
def test_a_bad_signed_rating_line_is_named_by_file_and_line(
    tmp_path: Path, line: str, complaint: str
) -> None:
    path = write_csv(tmp_path, "1,2,4,1289241912\n" + line + "\n")
    with pytest.raises(MarketFileInvalid, match=complaint) as caught:
        load_market(path)
    assert caught.value.lineno == 2
    assert str(path) in str(caught.value) and "line 2" in str(caught.value)


@pytest.mark.skipif(not BITCOIN_OTC.exists(), reason="the Bitcoin OTC data is not on this machine")
def test_the_bitcoin_otc_network_loads_whole() -> None:
    market = load_market(BITCOIN_OTC)
    index = build_index(market.events)
    assert len(index.milestone_ids) == 35_592
    traders = {i.removeprefix("trader-") for i in (*index.candidate_ids, *index.client_ids)}
    assert len(traders) == 5_881
    assert validate_history(market.events) == ()
    assert 0.85 < went_well(index).mean() < 0.95  # about 90% of its ratings are positive


def test_an_events_file_round_trips_through_load_market(
    tmp_path: Path, built: Callable[[str], Market]
) -> None:
    market = built("specialist_guild")
    path = tmp_path / "guild.jsonl"
    path.write_bytes(b"\n".join(encode_event(e) for e in market.events) + b"\n")
    loaded = load_market(path)
    assert loaded.name == "guild"
    assert loaded.events == market.events
    assert loaded.truth.fake_milestones == ()


def test_an_events_file_out_of_order_is_refused_with_its_line(
    tmp_path: Path, built: Callable[[str], Market]
) -> None:
    events = built("churning_bazaar").events
    opened = next(i for i, e in enumerate(events) if isinstance(e, MilestoneOpened))
    path = tmp_path / "shuffled.jsonl"
    path.write_bytes(b"\n".join(encode_event(e) for e in events[opened:]))
    with pytest.raises(MarketFileInvalid, match="line 1"):
        load_market(path)


def test_an_unknown_kind_of_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "market.parquet"
    path.write_bytes(b"")
    with pytest.raises(MarketFileInvalid, match=r"jsonl or \.csv"):
        load_market(path)
