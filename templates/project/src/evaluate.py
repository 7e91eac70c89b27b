"""Score the model on the test set: metrics.json plus ROC and confusion-matrix plot data."""

import json
import pickle
from pathlib import Path

import pandas as pd
from sklearn import metrics

TEST = Path("data/prepared/test.csv")
MODEL = Path("models/model.pkl")
PLOTS = Path("plots")


def write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n")


def main() -> None:
    model = pickle.loads(MODEL.read_bytes())
    table = pd.read_csv(TEST)
    x, y = table.drop(columns="target"), table["target"].astype(int)
    predicted = model.predict(x)
    proba = model.predict_proba(x)[:, 1]
    scores = {
        "accuracy": round(metrics.accuracy_score(y, predicted), 4),
        "f1": round(metrics.f1_score(y, predicted), 4),
        "roc_auc": round(metrics.roc_auc_score(y, proba), 4),
        "log_loss": round(metrics.log_loss(y, proba), 4),
    }
    write_json(Path("metrics.json"), scores)
    fpr, tpr, _ = metrics.roc_curve(y, proba)
    PLOTS.mkdir(exist_ok=True)
    write_json(PLOTS / "roc.json", {"roc": [
        {"fpr": round(f, 4), "tpr": round(t, 4)} for f, t in zip(fpr, tpr)
    ]})
    write_json(PLOTS / "confusion.json", {"confusion": [
        {"actual": int(a), "predicted": int(p)} for a, p in zip(y, predicted)
    ]})
    print(json.dumps(scores))


if __name__ == "__main__":
    main()
