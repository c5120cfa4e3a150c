"""The FastAPI peer of Sluice serve for bench/serve_bench.ts.

It serves the same serving graph (the ONNX file Sluice's scorer runs: one tree ensemble whose
output row holds the 25 Saabas contributions and the raw margin) with the same request and
response shapes: the request model is built from the same JSON Schema Sluice validates with
(written by the bench from web/serve/api_schemas.ts), the reasons are the top three
|contributions| and the risk level uses the same cut-offs.

What differs from Sluice, on purpose kept FastAPI-standard: JSON duplicate keys are not
detected (json.loads keeps the last), the body size and Content-Type are not enforced, and
422 bodies are FastAPI's own error shape.

Environment: SERVE_MODEL_JSON (the TreeModel), SERVE_ONNX (the serving graph), SERVE_SCHEMA
(PredictRequest as JSON Schema), SERVE_VERSION.
"""

import json
import os
import time
from typing import Annotated, Any, Literal, Optional

import numpy as np
import onnxruntime as ort
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

with open(os.environ["SERVE_MODEL_JSON"]) as handle:
    MODEL = json.load(handle)
with open(os.environ["SERVE_SCHEMA"]) as handle:
    SCHEMA = json.load(handle)
VERSION = os.environ.get("SERVE_VERSION", "bench")
NAMES = MODEL["featureNames"]
THRESHOLD = float(MODEL["threshold"])
WIDTH = len(NAMES)

options = ort.SessionOptions()
options.intra_op_num_threads = 1
options.inter_op_num_threads = 1
options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
SESSION = ort.InferenceSession(os.environ["SERVE_ONNX"], options, providers=["CPUExecutionProvider"])


def field_type(spec: dict) -> Any:
    """A pydantic type for one JSON Schema property of PredictRequest."""
    if "anyOf" in spec:
        return Literal[tuple(option["const"] for option in spec["anyOf"])]
    bounds = {"ge": spec.get("minimum"), "le": spec.get("maximum")}
    if spec["type"] == "integer":
        return Annotated[int, Field(strict=True, **bounds)]
    if spec["type"] == "number":
        return Annotated[float, Field(strict=True, allow_inf_nan=False, **bounds)]
    if spec["type"] == "string":
        return Annotated[str, Field(min_length=spec.get("minLength"), max_length=spec.get("maxLength"))]
    raise ValueError(f"unsupported schema {spec}")


fields: dict[str, Any] = {name: (field_type(SCHEMA["properties"][name]), ...) for name in NAMES}
fields["transaction_id"] = (Optional[field_type(SCHEMA["properties"]["transaction_id"])], None)
PredictRequest = create_model(
    "PredictRequest", __config__=ConfigDict(extra="forbid"), **fields
)


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rows: Annotated[list[Any], Field(min_length=1, max_length=10_000)]


def risk_level(probability: float) -> str:
    if probability >= THRESHOLD:
        return "high"
    if probability >= THRESHOLD / 2:
        return "medium"
    return "low"


def predictions(scores: np.ndarray, rows: list) -> list[dict]:
    """One prediction per output row, as Sluice answers it."""
    margins = scores[:, WIDTH].astype(np.float64)
    probabilities = 1.0 / (1.0 + np.exp(-margins))
    contributions = scores[:, :WIDTH]
    # Largest |contribution| first; a stable sort keeps feature order among equals.
    order = np.argsort(-np.abs(contributions), axis=1, kind="stable")[:, :3]
    answers = []
    for r, row in enumerate(rows):
        reasons = []
        for feature in order[r]:
            contribution = float(contributions[r, feature])
            if contribution == 0.0:
                break
            name = NAMES[feature]
            reasons.append({
                "feature": name,
                "value": getattr(row, name),
                "contribution": round(contribution * 1e6) / 1e6,
            })
        probability = float(probabilities[r])
        answer = {
            "fraud_probability": probability,
            "is_fraud": probability >= THRESHOLD,
            "risk_level": risk_level(probability),
            "reasons": reasons,
        }
        if row.transaction_id is not None:
            answer = {"transaction_id": row.transaction_id, **answer}
        answers.append(answer)
    return answers


def features_of(rows: list) -> np.ndarray:
    return np.array([[getattr(row, name) for name in NAMES] for row in rows], dtype=np.float32)


app = FastAPI(title="FastAPI peer")


@app.get("/health/ready")
async def ready() -> dict:
    return {"status": "ok", "model_version": VERSION}


@app.post("/v1/predict")
async def predict(request: PredictRequest) -> JSONResponse:
    started = time.perf_counter()
    scores = SESSION.run(None, {"features": features_of([request])})[0]
    answer = predictions(scores, [request])[0]
    answer["model_version"] = VERSION
    answer["latency_ms"] = round((time.perf_counter() - started) * 1e6) / 1e3
    return JSONResponse(answer)


@app.post("/v1/predict/batch")
async def predict_batch(request: BatchRequest) -> JSONResponse:
    started = time.perf_counter()
    valid, valid_index, results = [], [], [None] * len(request.rows)
    for index, raw in enumerate(request.rows):
        try:
            valid.append(PredictRequest.model_validate(raw))
            valid_index.append(index)
        except ValidationError as error:
            results[index] = {
                "index": index,
                "errors": [
                    {"field": ".".join(map(str, e["loc"])), "code": e["type"], "message": e["msg"]}
                    for e in error.errors(include_input=False, include_url=False)
                ],
            }
    if valid:
        scores = SESSION.run(None, {"features": features_of(valid)})[0]
        latency = round((time.perf_counter() - started) * 1e6) / 1e3
        for index, answer in zip(valid_index, predictions(scores, valid)):
            results[index] = {"index": index, **answer, "model_version": VERSION, "latency_ms": latency}
    latency = round((time.perf_counter() - started) * 1e6) / 1e3
    return JSONResponse({
        "model_version": VERSION,
        "latency_ms": latency,
        "scored": len(valid),
        "rejected": len(request.rows) - len(valid),
        "results": results,
    })
