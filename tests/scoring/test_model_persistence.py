"""Safe persistence: round trips, and crafted payloads are refused."""

from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np
import pytest
import skops.io as sio
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression

from scoring.errors import UntrustedModelError
from scoring.reputation.datasets import training_set
from scoring.reputation.history import HistoryIndex
from scoring.reputation.model import predict_proba
from scoring.reputation.model_store import MAGIC, TrainedModel, dump_model, load_model


def _envelope(model: TrainedModel, body: bytes) -> bytes:
    data = dump_model(model)
    rest = data[len(MAGIC) :]
    size = int.from_bytes(rest[:8], "big")
    return MAGIC + rest[: 8 + size] + body


@pytest.mark.parametrize("kind", ["linear", "gbm"])
def test_a_dumped_model_loads_and_predicts_the_same(
    kind: str, model: TrainedModel, gbm_model: TrainedModel, index: HistoryIndex
) -> None:
    chosen = model if kind == "linear" else gbm_model
    assert chosen.meta.kind == kind
    rows = training_set(index).values[:500]
    loaded = load_model(dump_model(chosen))
    assert loaded.meta == chosen.meta
    np.testing.assert_array_equal(predict_proba(loaded, rows), predict_proba(chosen, rows))


def test_a_linear_model_is_plain_numbers_and_a_skops_body_under_its_header_is_refused(
    model: TrainedModel, gbm_model: TrainedModel
) -> None:
    data = dump_model(model)
    assert b"PK" not in data[:4096]  # no archive, no pickle: JSON numbers only
    with pytest.raises(UntrustedModelError):
        load_model(_envelope(model, sio.dumps(gbm_model.estimator)))
    body = data[len(MAGIC) + 8 + int.from_bytes(data[len(MAGIC) : len(MAGIC) + 8], "big") :]
    tampered = json.loads(body)
    tampered["coef"] = tampered["coef"][:-1]  # a layout that does not match the header
    with pytest.raises(UntrustedModelError):
        load_model(_envelope(model, json.dumps(tampered).encode()))


def test_a_payload_naming_a_function_is_refused(gbm_model: TrainedModel) -> None:
    model = gbm_model
    body = sio.dumps({"model": model.estimator, "hook": os.system})
    with pytest.raises(UntrustedModelError) as caught:
        load_model(_envelope(model, body))
    assert any("function" in t or "system" in t for t in caught.value.untrusted)


def test_an_estimator_outside_the_trusted_list_is_refused(gbm_model: TrainedModel) -> None:
    model = gbm_model
    other = CalibratedClassifierCV(LogisticRegression(), cv=2).fit(
        np.random.default_rng(0).normal(size=(40, 3)), np.arange(40) % 2
    )
    with pytest.raises(UntrustedModelError) as caught:
        load_model(_envelope(model, sio.dumps(other)))
    assert "sklearn.linear_model._logistic.LogisticRegression" in caught.value.untrusted


def test_a_schema_edited_to_name_a_dangerous_type_is_refused(gbm_model: TrainedModel) -> None:
    model = gbm_model
    body = sio.dumps(model.estimator)
    source = zipfile.ZipFile(io.BytesIO(body))
    schema = json.loads(source.read("schema.json"))
    schema["__module__"], schema["__class__"] = "subprocess", "Popen"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as crafted:
        for name in source.namelist():
            crafted.writestr(
                name, json.dumps(schema) if name == "schema.json" else source.read(name)
            )
    with pytest.raises(UntrustedModelError) as caught:
        load_model(_envelope(model, out.getvalue()))
    assert "subprocess.Popen" in caught.value.untrusted


@pytest.mark.parametrize("data", [b"", b"\x80\x04pickle", MAGIC + b"\x00" * 8 + b"not-a-zip"])
def test_garbage_is_refused_not_crashed_on(data: bytes) -> None:
    with pytest.raises(UntrustedModelError):
        load_model(data)


def test_a_tampered_header_is_refused(model: TrainedModel) -> None:
    data = dump_model(model)
    with pytest.raises(UntrustedModelError):
        load_model(data.replace(b'"n_train"', b'"n_trains"', 1))
