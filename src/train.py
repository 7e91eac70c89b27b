"""Train a logistic regression with the parameters in params.yaml."""

import pickle
from pathlib import Path

import numpy as np
import yaml
from sklearn.linear_model import LogisticRegression

TRAIN = Path("data/prepared/train.csv")
MODEL = Path("models/model.pkl")


def main() -> None:
    params = yaml.safe_load(Path("params.yaml").read_text())["train"]
    table = np.loadtxt(TRAIN, delimiter=",", skiprows=1)
    model = LogisticRegression(
        C=params["C"], max_iter=params["max_iter"], random_state=params["seed"]
    )
    model.fit(table[:, :-1], table[:, -1])
    MODEL.parent.mkdir(parents=True, exist_ok=True)
    MODEL.write_bytes(pickle.dumps(model))
    print(f"trained LogisticRegression(C={params['C']}) on {len(table)} rows")


if __name__ == "__main__":
    main()
