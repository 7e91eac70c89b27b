"""Parameter sweeps: a grid from mlci.yaml run locally (isolated work trees sharing the DVC
cache) or as a CI matrix, and the leaderboard that ranks the combinations."""
