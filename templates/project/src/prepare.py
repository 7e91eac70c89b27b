"""Split the raw data into train and test sets and standardise the features."""

from pathlib import Path

import numpy as np
import yaml
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

RAW = Path("data/raw.csv")
OUT = Path("data/prepared")


def main() -> None:
    params = yaml.safe_load(Path("params.yaml").read_text())["prepare"]
    header = RAW.read_text().splitlines()[0]
    table = np.loadtxt(RAW, delimiter=",", skiprows=1)
    features, target = table[:, :-1], table[:, -1]
    x_train, x_test, y_train, y_test = train_test_split(
        features, target, test_size=params["test_size"],
        random_state=params["seed"], stratify=target,
    )
    scaler = StandardScaler().fit(x_train)
    OUT.mkdir(parents=True, exist_ok=True)
    for name, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        rows = np.column_stack([scaler.transform(x), y])
        np.savetxt(OUT / f"{name}.csv", rows, delimiter=",", header=header,
                   comments="", fmt="%.6g")
    print(f"train: {len(x_train)} rows, test: {len(x_test)} rows")


if __name__ == "__main__":
    main()
