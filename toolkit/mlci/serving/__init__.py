"""Deployment: the model a reference names, verified and loaded; the ASGI server; batch scoring.

`fetch` (reference -> verified file), `loading` (the public load API, used by monitoring too),
`loaders/` (one module per model format), `signature` and `columns` (what a model takes),
`app` and its protocols (Open Inference Protocol v2, MLflow scoring, Prometheus), `server`
(uvicorn, --follow, signals), `predlog` (prediction logs), `batch` (`mlci predict`).
"""
