"""The served-score evaluation every market gets: the same recipes, the same verdict.

`bench/reputation.py` runs it on generated markets and real files, and
`trialgate model evaluate` on a platform's stored history, so a held-out market
is scored exactly as the published ones were.
"""

from __future__ import annotations

import msgspec

from scoring.reputation.backtest import BacktestReport, Recipe, ScorerRecipe
from scoring.reputation.baselines import baseline_recipes
from scoring.reputation.features import FeatureConfig
from scoring.reputation.history import HistoryIndex, from_seconds
from scoring.reputation.model import ModelKind, Scorer, fit_reputation

REFERENCE = "default"


class Verdict(msgspec.Struct, frozen=True, kw_only=True):
    """The default against the strongest baseline on one horizon, pooled over cutoffs."""

    market: str
    horizon_days: float
    default_auc: float
    default_lower: float
    default_upper: float
    best_baseline: str
    best_auc: float
    gain: float  # default - best baseline, ROC AUC
    gain_lower: float  # 90 % paired interval
    gain_upper: float
    at_least_as_good: bool  # the point estimate is no lower
    better: bool  # the whole interval of the gain is above zero

    def line(self) -> str:
        mark = "better" if self.better else ("as good" if self.at_least_as_good else "WORSE")
        return (
            f"[{mark:>7}] {self.market}, {self.horizon_days:.0f} days: default AUC "
            f"{self.default_auc:.3f} [{self.default_lower:.3f}, {self.default_upper:.3f}] vs "
            f"{self.best_baseline} {self.best_auc:.3f}; gain {self.gain:+.3f} "
            f"[{self.gain_lower:+.3f}, {self.gain_upper:+.3f}]"
        )


def model_recipe(name: str, *, kind: ModelKind, config: FeatureConfig | None = None) -> Recipe:
    """A model as the service would serve it at the cutoff: trained on what was known then,
    or the prior while too few milestones were labelled."""

    def fit(index: HistoryIndex, t: float) -> Scorer:
        return fit_reputation(index, as_of=from_seconds(t), kind=kind, config=config)

    return ScorerRecipe(name, fit)


def evaluation_recipes() -> list[Recipe]:
    """The default model, gradient boosting, the prior and the baselines."""
    return [
        model_recipe(REFERENCE, kind="linear"),
        model_recipe("gradient boosting", kind="gbm"),
        *baseline_recipes(),
    ]


def verdicts(report: BacktestReport) -> list[Verdict]:
    out = []
    for cell in report.pooled:
        by_name = {m.recipe: m for m in cell.metrics}
        ref = by_name[report.reference]
        best = max((m for m in cell.metrics if m.baseline), key=lambda m: m.auc.value)
        # differences are recipe - reference: flip to reference - best baseline
        diff = next(d for d in cell.differences if d.recipe == best.recipe)
        out.append(
            Verdict(
                market=report.market,
                horizon_days=cell.horizon_days,
                default_auc=ref.auc.value,
                default_lower=ref.auc.lower,
                default_upper=ref.auc.upper,
                best_baseline=best.recipe,
                best_auc=best.auc.value,
                gain=-diff.auc.value,
                gain_lower=-diff.auc.upper,
                gain_upper=-diff.auc.lower,
                at_least_as_good=ref.auc.value >= best.auc.value,
                better=-diff.auc.upper > 0,
            )
        )
    return out
