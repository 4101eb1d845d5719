"""The trained model as a value, and its safe persistence.

Stored bytes are an envelope: a magic line, the length of a JSON header, the
header (version, metrics, feature layout: plain data decoded strictly by
msgspec), then the estimator. A linear model's estimator is a few numbers,
stored as JSON and decoded strictly too; a gradient-boosting one is serialised
with skops. Loading never unpickles:
skops rebuilds objects from a schema, and before it runs every type the schema
names must be on `TRUSTED_TYPES`, an explicit list of what our own pipeline
contains. Anything else is refused with the offending type names.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from typing import Any, Literal

import msgspec
import sklearn
import skops.io as sio
from sklearn.calibration import CalibratedClassifierCV

from scoring.errors import UntrustedModelError
from scoring.reputation.features import FeatureConfig
from scoring.reputation.linear import LinearScorer
from scoring.reputation.metrics import Metrics

MAGIC = b"trialgate-reputation-model/1\n"
_HEADER_LEN_BYTES = 8

# Every type our pipeline serialises to (module.Class). Reviewed by hand: all
# are plain data containers or scikit-learn estimators we construct ourselves.
TRUSTED_TYPES: frozenset[str] = frozenset(
    {
        "builtins.dict",
        "builtins.list",
        "builtins.str",
        "builtins.tuple",
        "builtins.int",
        "builtins.float",
        "builtins.bool",
        "builtins.NoneType",
        "numpy.ndarray",
        "numpy.float64",
        "numpy.float32",
        "numpy.int64",
        "numpy.int32",
        "numpy.uint8",
        "numpy.uint32",
        "numpy.uint64",
        "numpy.bool_",
        "numpy.dtype",
        "numpy.random._generator.Generator",
        "numpy.random._pcg64.PCG64",
        "numpy.random.mtrand.RandomState",
        "sklearn._loss._loss.CyHalfBinomialLoss",
        "sklearn._loss.link.Interval",
        "sklearn._loss.link.LogitLink",
        "sklearn._loss.loss.HalfBinomialLoss",
        "sklearn.calibration.CalibratedClassifierCV",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
        "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn.isotonic.IsotonicRegression",
        "sklearn.pipeline.Pipeline",
        "sklearn.preprocessing._label.LabelEncoder",
    }
)


class ModelMeta(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    version: str
    source: Literal["model"] = "model"
    kind: Literal["linear", "gbm"] = "gbm"  # versions stored before linear models were gbm
    feature_version: str
    feature_names: tuple[str, ...]
    monotonic: tuple[int, ...]
    config: FeatureConfig
    trained_as_of: datetime
    holdout_from: datetime  # milestones opened at or after this were held out
    calibration: Literal["isotonic", "sigmoid", "logistic"]
    metrics: Metrics
    n_train: int
    n_holdout: int
    baseline: tuple[float, ...]  # per-feature training medians, for reason codes
    sklearn_version: str


class TrainedModel(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    meta: ModelMeta
    # LinearScorer, or CalibratedClassifierCV(Pipeline([("gbm", HistGradientBoostingClassifier)]))
    estimator: Any

    @property
    def version(self) -> str:
        return self.meta.version

    @property
    def source(self) -> Literal["model"]:
        return "model"


def dump_model(model: TrainedModel) -> bytes:
    header = msgspec.json.encode(model.meta)
    body: bytes = (
        msgspec.json.encode(model.estimator)
        if isinstance(model.estimator, LinearScorer)
        else sio.dumps(model.estimator)
    )
    return MAGIC + len(header).to_bytes(_HEADER_LEN_BYTES, "big") + header + body


def load_model(data: bytes) -> TrainedModel:
    """Rebuild a model from `dump_model` bytes, refusing anything not on the trusted list."""
    if not data.startswith(MAGIC):
        raise UntrustedModelError("not a trialgate model (bad magic)")
    rest = data[len(MAGIC) :]
    size = int.from_bytes(rest[:_HEADER_LEN_BYTES], "big")
    header, body = (
        rest[_HEADER_LEN_BYTES : _HEADER_LEN_BYTES + size],
        rest[_HEADER_LEN_BYTES + size :],
    )
    try:
        meta = msgspec.json.decode(header, type=ModelMeta)
    except msgspec.DecodeError as exc:
        raise UntrustedModelError(f"model header invalid: {exc}") from exc
    if meta.kind == "linear":
        try:
            linear = msgspec.json.decode(body, type=LinearScorer)
        except msgspec.DecodeError as exc:
            raise UntrustedModelError(f"model body invalid: {exc}") from exc
        width = {len(linear.features), len(linear.log), len(linear.mean), len(linear.scale)}
        if width != {len(linear.coef)} or linear.features != meta.feature_names:
            raise UntrustedModelError("model body does not match its feature layout")
        return TrainedModel(meta=meta, estimator=linear)
    named = _schema_types(body)
    outside = tuple(sorted(named - TRUSTED_TYPES))
    if outside:
        raise UntrustedModelError("model names untrusted types", outside)
    try:
        untrusted = sio.get_untrusted_types(data=body)
        estimator = sio.loads(body, trusted=[t for t in untrusted if t in TRUSTED_TYPES])
    except Exception as exc:  # skops raises many kinds; none may escape as a crash
        raise UntrustedModelError(f"model body unreadable: {type(exc).__name__}: {exc}") from exc
    if not isinstance(estimator, CalibratedClassifierCV):
        raise UntrustedModelError(
            f"model body is a {type(estimator).__name__}, not a calibrated model"
        )
    return TrainedModel(meta=meta, estimator=estimator)


def _schema_types(body: bytes) -> set[str]:
    """Every module.Class named anywhere in a skops schema (read as JSON, nothing executed)."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            schema = json.loads(archive.read("schema.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UntrustedModelError(f"model body is not a skops archive: {exc}") from exc
    found: set[str] = set()
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "__class__" in node or "__module__" in node:
                found.add(f"{node.get('__module__')}.{node.get('__class__')}")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def sklearn_version() -> str:
    version: str = sklearn.__version__
    return version
