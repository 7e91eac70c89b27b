"""Write the raw data set: scikit-learn's breast cancer data, which ships with the library."""

from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer

OUT = Path("data/raw.csv")


def main() -> None:
    data = load_breast_cancer()
    table = np.column_stack([data.data, data.target])
    header = ",".join([*(name.replace(" ", "_") for name in data.feature_names), "target"])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savetxt(OUT, table, delimiter=",", header=header, comments="", fmt="%.6g")
    print(f"wrote {len(table)} rows, {data.data.shape[1]} features to {OUT}")


if __name__ == "__main__":
    main()
