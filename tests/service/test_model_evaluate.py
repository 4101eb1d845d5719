"""`trialgate model evaluate`: the served-score back-test on stored history or a market file."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from scoring.simulator.simulate import MarketSpec, simulate
from tests.service.test_events_import import jsonl
from tests.service.test_reputation_model import run_cli

SMALL = MarketSpec(n_candidates=200, n_clients=40, n_milestones=3000, seed=5, ring=False)


@pytest.fixture(scope="module")
def market_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("markets") / "held.jsonl"
    path.write_bytes(jsonl(list(simulate(SMALL).events)))
    return path


def _report(out: str) -> dict:
    return msgspec.json.decode(out)


def test_a_market_file_is_scored_like_the_published_markets(
    market_file: Path,
    isolated_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(
        monkeypatch, capsys, isolated_database,
        "model", "evaluate", "--file", str(market_file), "--boot", "20", "--json",
    )  # fmt: skip
    assert code == 0, err
    found = _report(out)
    report, verdicts = found["report"], found["verdicts"]
    assert report["reference"] == "default" and len(report["cutoffs"]) == 3
    recipes = {m["recipe"]: m for m in report["pooled"][0]["metrics"]}
    assert {"default", "gradient boosting", "prior", "share_of_good_outcomes"} <= set(recipes)
    assert {"logistic_on_shrunk_rates", "fairness_goodness", "ratings_received"} <= set(recipes)
    for metrics in recipes.values():
        auc = metrics["auc"]
        assert auc["lower"] <= auc["value"] <= auc["upper"]
        assert metrics["rows"] > 100
    assert [v["horizon_days"] for v in verdicts] == [90.0, 180.0]
    for v in verdicts:
        assert v["best_baseline"] != "default"
        assert v["at_least_as_good"] == (v["default_auc"] >= v["best_auc"])


def test_the_stored_history_of_one_organization_is_evaluated(
    market_file: Path,
    isolated_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run_cli(
        monkeypatch, capsys, isolated_database, "events", "import", str(market_file)
    )
    assert code == 0, err
    code, out, err = run_cli(
        monkeypatch, capsys, isolated_database,
        "model", "evaluate", "--organization", "default", "--boot", "20",
    )  # fmt: skip
    assert code == 0, err
    assert "Reputation as served: default" in out and "default AUC" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--boot", "0"], "--boot"),
        (["--organization", "nobody"], "no organization 'nobody'"),
        (["--file", "/nonexistent/held.jsonl"], "no such file"),
        (["--file", "/etc/hostname"], "unknown kind of market file"),
    ],
)
def test_bad_arguments_are_named(
    argv: list[str],
    message: str,
    isolated_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run_cli(monkeypatch, capsys, isolated_database, "model", "evaluate", *argv)
    assert code == 2 and message in err, err


def test_a_market_file_with_a_bad_line_names_the_file_and_line(
    tmp_path: Path,
    isolated_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,5,1289241912\n1,3,not-a-number,1289241913\n")
    code, _, err = run_cli(
        monkeypatch, capsys, isolated_database, "model", "evaluate", "--file", str(bad)
    )
    assert code == 2 and "bad.csv" in err and "2" in err, err


def test_too_little_history_says_the_prior_serves(
    tmp_path: Path,
    isolated_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tiny = tmp_path / "tiny.csv"
    tiny.write_text("".join(f"{i},{i + 1},3,{1289241912 + i * 86400}\n" for i in range(50)))
    code, _, err = run_cli(
        monkeypatch, capsys, isolated_database, "model", "evaluate", "--file", str(tiny)
    )
    assert code == 2 and "the prior serves" in err, err
