"""Train one scikit-learn Pipeline (standardise, then logistic regression) on named columns.

The whole Pipeline is the artifact, so whoever serves it feeds raw feature rows, by name.
"""

import pickle
from pathlib import Path

import pandas as pd
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

TRAIN = Path("data/prepared/train.csv")
MODEL = Path("models/model.pkl")


def main() -> None:
    params = yaml.safe_load(Path("params.yaml").read_text())["train"]
    table = pd.read_csv(TRAIN)
    features, target = table.drop(columns="target"), table["target"]
    model = Pipeline([
        ("scale", StandardScaler()),
        ("classify", LogisticRegression(C=params["C"], max_iter=params["max_iter"],
                                        random_state=params["seed"])),
    ])
    model.fit(features, target)
    MODEL.parent.mkdir(parents=True, exist_ok=True)
    MODEL.write_bytes(pickle.dumps(model))
    print(f"trained LogisticRegression(C={params['C']}) after a StandardScaler, one Pipeline, "
          f"on {len(table)} rows of {features.shape[1]} named columns")


if __name__ == "__main__":
    main()
