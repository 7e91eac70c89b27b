"""Split the raw data into train and test tables (raw feature values: the model scales them)."""

from pathlib import Path

import pandas as pd
import yaml
from sklearn.model_selection import train_test_split

RAW = Path("data/raw.csv")
OUT = Path("data/prepared")


def main() -> None:
    params = yaml.safe_load(Path("params.yaml").read_text())["prepare"]
    table = pd.read_csv(RAW)
    train, test = train_test_split(
        table, test_size=params["test_size"], random_state=params["seed"],
        stratify=table["target"],
    )
    OUT.mkdir(parents=True, exist_ok=True)
    for name, part in (("train", train), ("test", test)):
        part.to_csv(OUT / f"{name}.csv", index=False)
    print(f"train: {len(train)} rows, test: {len(test)} rows")


if __name__ == "__main__":
    main()
