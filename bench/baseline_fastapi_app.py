"""The Python lab's prediction API, as the baseline for bench/serve.sh: FastAPI under one uvicorn worker,
a scikit-learn pipeline (scaling, one-hot encoding, logistic regression) trained once at start on
$TRAIN_CSV, and per request a pandas DataFrame, a pipeline call and a JSON log line, as the lab's app does.

Run: TRAIN_CSV=train.csv LOG_FILE=predictions.log uvicorn baseline_fastapi_app:app --workers 1
"""

import json
import os
import time
import uuid
from typing import Optional

import pandas as pd
from fastapi import FastAPI, Response
from pydantic import BaseModel, Field
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NUMERIC = ["tenure_months", "num_complaints", "avg_session_minutes"]
CATEGORICAL = ["plan_type", "region"]


def train(path):
    data = pd.read_csv(path)
    pipeline = Pipeline(
        [
            (
                "prep",
                ColumnTransformer(
                    [
                        ("num", StandardScaler(), NUMERIC),
                        ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
                    ]
                ),
            ),
            ("model", LogisticRegression(max_iter=1000)),
        ]
    )
    pipeline.fit(data[NUMERIC + CATEGORICAL].fillna(data[NUMERIC].median()), data["churn"])
    return pipeline


PIPELINE = train(os.environ.get("TRAIN_CSV", "train.csv"))
THRESHOLD = 0.5
LOG = open(os.environ.get("LOG_FILE", "predictions.log"), "a", buffering=1)
app = FastAPI()


class Customer(BaseModel):
    request_id: Optional[str] = None
    tenure_months: float = Field(ge=0, le=200)
    num_complaints: float = Field(ge=0, le=50)
    avg_session_minutes: float = Field(ge=0, le=500)
    plan_type: str
    region: str


@app.get("/health")
def health():
    return {"status": "ok", "current_model": "churn_model@production (baseline)"}


@app.post("/predict")
def predict(customer: Customer, response: Response):
    started = time.perf_counter()
    request_id = customer.request_id or str(uuid.uuid4())
    features = {
        "tenure_months": customer.tenure_months,
        "num_complaints": customer.num_complaints,
        "avg_session_minutes": customer.avg_session_minutes,
        "plan_type": customer.plan_type.strip().lower(),
        "region": customer.region.strip().upper(),
    }
    frame = pd.DataFrame([features])
    probability = float(PIPELINE.predict_proba(frame)[0][1])
    latency = (time.perf_counter() - started) * 1000
    ts = time.time()
    answer = {
        "request_id": request_id,
        "model_name": "churn_model",
        "model_version": "baseline",
        "alias": "production",
        "probability": probability,
        "prediction": int(probability >= THRESHOLD),
        "threshold": THRESHOLD,
        "latency_ms": latency,
        "ts": ts,
    }
    LOG.write(json.dumps({**answer, "features": features}) + "\n")
    response.headers["X-Request-ID"] = request_id
    return answer
