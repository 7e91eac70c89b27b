"""`mlci serve` for real: uvicorn in a subprocess, Triton's OIP client, MLflow-format requests,
every bad input's 4xx, /metrics through Prometheus' own parser, SIGTERM with a prediction log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families

from support.serving import Published, Server, serving, start


@pytest.fixture(scope="module")
def server(published: Published, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The prod model served from the deployment's clone, bodies limited to 1 MB."""
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with serving(["classifier#prod", "--max-body-mb", "1"], published.clone, log) as running:
        yield running


@pytest.fixture(scope="module")
def rows(published: Published) -> Any:
    return published.test_rows().head(25)


def test_triton_client_binary_and_json_tensors(server: Server, published: Published,
                                               rows: Any) -> None:
    import tritonclient.http as triton

    model = published.model()
    client = triton.InferenceServerClient(url=f"127.0.0.1:{server.port}")
    assert client.is_server_live() and client.is_server_ready()
    assert client.is_model_ready("classifier")
    metadata = client.get_model_metadata("classifier")
    assert metadata["versions"] == ["v0.0.1"]
    assert [i["name"] for i in metadata["inputs"]] == list(rows.columns)
    matrix = rows.to_numpy(dtype="float64")

    tensor = triton.InferInput("features", list(matrix.shape), "FP64")
    tensor.set_data_from_numpy(matrix)  # the client's default: binary tensor data
    result = client.infer("classifier", [tensor])
    np.testing.assert_array_equal(result.as_numpy("predict"), model.predict(rows))
    np.testing.assert_allclose(result.as_numpy("predict_proba"), model.predict_proba(rows))

    columns = []
    for name in rows.columns:
        column = triton.InferInput(name, [len(rows)], "FP64")
        column.set_data_from_numpy(rows[name].to_numpy(), binary_data=False)
        columns.append(column)
    wanted = [triton.InferRequestedOutput("predict", binary_data=False)]
    by_column = client.infer("classifier", columns, outputs=wanted, model_version="v0.0.1")
    np.testing.assert_array_equal(by_column.as_numpy("predict"), model.predict(rows))
    assert by_column.as_numpy("predict_proba") is None
    client.close()


def _mlflow_bodies(rows: Any) -> list[tuple[str, bytes]]:
    split = json.loads(rows.to_json(orient="split"))
    records = rows.to_dict(orient="records")
    return [
        ("application/json", json.dumps({"dataframe_split": {"columns": split["columns"],
                                                             "data": split["data"]}}).encode()),
        ("application/json", json.dumps({"dataframe_records": records}).encode()),
        ("application/json", json.dumps({"instances": records}).encode()),
        ("application/json", json.dumps({"inputs": rows.to_dict(orient="list")}).encode()),
        ("application/json", json.dumps({"instances": rows.to_numpy().tolist()}).encode()),
        ("text/csv", rows.to_csv(index=False).encode()),
    ]


def test_mlflow_scoring_protocol(server: Server, published: Published, rows: Any) -> None:
    expected = published.model().predict(rows).tolist()
    for content_type, body in _mlflow_bodies(rows):
        answer = server.client.post("/invocations", content=body,
                                    headers={"content-type": content_type})
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"predictions": expected}, content_type
    for path in ("/ping", "/health"):
        assert server.client.get(path).status_code == 200
    assert "classifier v0.0.1" in server.client.get("/version").text


NUMERIC = {"name": "x", "shape": [1, 30], "datatype": "FP64", "data": [1.0] * 30}


def _column_inputs(rows: Any, **changes: Any) -> dict[str, Any]:
    inputs = [{"name": n, "shape": [1], "datatype": "FP64", "data": [float(rows[n].iloc[0])]}
              for n in rows.columns]
    for key, value in changes.items():
        inputs[0][key] = value
    return {"inputs": inputs}


BAD_REQUESTS = [
    ("malformed JSON", "POST", "/v2/models/classifier/infer", b'{"inputs": [', {}, 400),
    ("no inputs", "POST", "/v2/models/classifier/infer", b'{"inputs": []}', {}, 400),
    ("wrong feature count", "POST", "/v2/models/classifier/infer",
     {"inputs": [{**NUMERIC, "shape": [1, 29], "data": [1.0] * 29}]}, {}, 422),
    ("shape does not fit data", "POST", "/v2/models/classifier/infer",
     {"inputs": [{**NUMERIC, "shape": [2, 30]}]}, {}, 400),
    ("text tensor", "POST", "/v2/models/classifier/infer",
     {"inputs": [{**NUMERIC, "datatype": "BYTES", "data": ["a"] * 30}]}, {}, 422),
    ("unknown datatype", "POST", "/v2/models/classifier/infer",
     {"inputs": [{**NUMERIC, "datatype": "FP128"}]}, {}, 400),
    ("NaN the model cannot take", "POST", "/v2/models/classifier/infer",
     b'{"inputs": [{"name": "x", "shape": [1, 30], "datatype": "FP64", "data": [NaN'
     + b", 1.0" * 29 + b"]}]}", {}, 422),
    ("unknown output", "POST", "/v2/models/classifier/infer",
     {"inputs": [NUMERIC], "outputs": [{"name": "embedding"}]}, {}, 400),
    ("unknown model", "POST", "/v2/models/regressor/infer", {"inputs": [NUMERIC]}, {}, 404),
    ("unknown version", "POST", "/v2/models/classifier/versions/v9.9.9/infer",
     {"inputs": [NUMERIC]}, {}, 404),
    ("unknown model metadata", "GET", "/v2/models/regressor", None, {}, 404),
    ("unknown route", "GET", "/v3/anything", None, {}, 404),
    ("wrong method", "GET", "/v2/models/classifier/infer", None, {}, 405),
    ("body over --max-body-mb", "POST", "/v2/models/classifier/infer", b"[" * 1_100_000, {},
     413),
    ("binary header past the body", "POST", "/v2/models/classifier/infer", b'{"inputs": []}',
     {"inference-header-content-length": "999"}, 400),
    ("MLflow: malformed JSON", "POST", "/invocations", b"{", {}, 400),
    ("MLflow: no known key", "POST", "/invocations", {"rows": []}, {}, 400),
    ("MLflow: two keys", "POST", "/invocations", {"instances": [], "inputs": []}, {}, 400),
    ("MLflow: params", "POST", "/invocations",
     {"instances": [[1.0] * 30], "params": {"k": 1}}, {}, 400),
    ("MLflow: wrong columns", "POST", "/invocations",
     {"dataframe_split": {"columns": ["a"], "data": [[1.0]]}}, {}, 422),
    ("MLflow: ragged rows", "POST", "/invocations", {"instances": [[1.0] * 30, [1.0]]}, {},
     400),
    ("MLflow: text in a number column", "POST", "/invocations",
     {"instances": [["big"] * 30]}, {}, 422),
    ("MLflow: unsupported content type", "POST", "/invocations", b"1,2",
     {"content-type": "text/plain"}, 415),
    ("MLflow: CSV with a missing column", "POST", "/invocations", b"a,b\n1,2\n",
     {"content-type": "text/csv"}, 422),
]


@pytest.mark.parametrize(("case", "method", "path", "body", "headers", "status"), BAD_REQUESTS,
                         ids=[case[0] for case in BAD_REQUESTS])
def test_bad_input_gets_its_4xx(server: Server, case: str, method: str, path: str, body: Any,
                                headers: dict[str, str], status: int) -> None:
    content = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    headers = {"content-type": "application/json", **headers}
    answer = server.client.request(method, path, content=content, headers=headers)
    assert answer.status_code == status, answer.text
    data = answer.json()
    message = data.get("error") or data.get("message")
    assert isinstance(message, str) and message and "Traceback" not in message


def test_wrong_column_names_are_named(server: Server, rows: Any) -> None:
    body = _column_inputs(rows, name="radius")
    answer = server.client.post("/v2/models/classifier/infer", json=body)
    assert answer.status_code == 422
    assert "'mean_radius'" in answer.json()["error"] and "'radius'" in answer.json()["error"]


def test_metrics_parse_with_prometheus_parser(server: Server, rows: Any) -> None:
    server.client.post("/invocations", json={"dataframe_records": rows.head(3).to_dict(
        orient="records")})
    families = {f.name: f for f in text_string_to_metric_families(
        server.client.get("/metrics").text)}
    requests = {(s.labels["route"], s.labels["status"]): s.value
                for s in families["mlci_requests"].samples if s.name == "mlci_requests_total"}
    assert requests[("/invocations", "200")] >= 1
    assert requests[("/v2/health/ready", "200")] >= 1
    info = list(families["mlci_model_info"].samples)
    assert [(s.labels["name"], s.labels["version"], s.value) for s in info] == [
        ("classifier", "v0.0.1", 1.0)]
    rows_scored = [s.value for s in families["mlci_rows_scored"].samples
                   if s.name == "mlci_rows_scored_total"]
    predicted = sum(s.value for s in families["mlci_predictions"].samples
                    if s.name == "mlci_predictions_total")
    assert rows_scored[0] >= 3 and predicted == rows_scored[0]
    assert "mlci_request_duration_seconds" in families


def test_workers_report_one_set_of_metrics(published: Published, tmp_path: Path,
                                           rows: Any) -> None:
    """`--workers 2`: both workers load the verified bundle, and /metrics, whichever worker
    answers it, counts the requests of every worker (not only its own share)."""
    body = {"dataframe_records": rows.head(1).to_dict(orient="records")}
    temp = tmp_path / "tmp"
    temp.mkdir()
    server = start(["classifier#prod", "--workers", "2"], published.clone, tmp_path / "log",
                   env={"TMPDIR": str(temp)})
    try:
        for _ in range(40):  # a new connection each time: the workers take turns accepting
            with httpx.Client(base_url=server.url, timeout=30) as client:
                assert client.post("/invocations", json=body).status_code == 200
        scraped = []
        for _ in range(8):
            with httpx.Client(base_url=server.url, timeout=30) as client:
                families = {f.name: f for f in text_string_to_metric_families(
                    client.get("/metrics").text)}
            scraped.append(sum(s.value for s in families["mlci_requests"].samples
                               if s.labels.get("route") == "/invocations"
                               and s.name == "mlci_requests_total"))
            info = [(s.labels["version"], s.value) for s in families["mlci_model_info"].samples]
            assert info == [("v0.0.1", 1.0)]
        assert scraped == [40.0] * 8
        writers = {p.name.rsplit("_", 1)[1] for p in temp.glob("mlci-serve-*/metrics/*.db")}
        assert len(writers) == 2, sorted(writers)  # one file set per worker process
    finally:
        assert server.terminate() == 0, server.output()
    assert not list(temp.iterdir())  # the bundle and the metrics directory are removed


def test_sigterm_loses_no_logged_prediction(published: Published, tmp_path: Path) -> None:
    """Logged rows are redacted by mlci.yaml's privacy section; SIGTERM flushes them, exit 0."""
    rows = published.test_rows().head(8)
    config = published.clone / "mlci.yaml"
    original = config.read_text()
    config.write_text(original + "privacy:\n  exclude: [mean_radius]\n  hash: [mean_texture]\n")
    logs = tmp_path / "logs"
    try:
        server = serving(["--log-predictions", str(logs)], published.clone, tmp_path / "log")
        with server as running:
            ids = [f"req-{i}" for i in range(len(rows))]
            for i, request_id in enumerate(ids):
                answer = running.client.post(
                    "/invocations", headers={"x-request-id": request_id},
                    json={"dataframe_records": rows.iloc[[i]].to_dict(orient="records")})
                assert answer.status_code == 200
            assert running.terminate() == 0, running.output()
    finally:
        config.write_text(original)
    assert not list(logs.glob("*.part"))
    logged = [json.loads(line) for file in sorted(logs.glob("*.jsonl"))
              for line in file.read_text().splitlines()]
    assert [row["request_id"] for row in logged] == ids
    assert all(row["version"] == "v0.0.1" and row["model"] == "classifier" for row in logged)
    assert "mean_radius" not in logged[0]
    texture = rows["mean_texture"].iloc[0]
    assert logged[0]["mean_texture"] == "sha256:" + hashlib.sha256(
        str(float(texture)).encode()).hexdigest()
    assert logged[0]["mean_area"] == rows["mean_area"].iloc[0]
    expected = published.model().predict_proba(rows)
    assert [row["prediction"] for row in logged] == published.model().predict(rows).tolist()
    np.testing.assert_allclose([row["proba_1"] for row in logged], expected[:, 1])
