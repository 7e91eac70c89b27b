"""A local S3 server (moto, on 127.0.0.1, a random port) and what DVC needs to use it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

# moto accepts any credentials; botocore refuses to send a request without some
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "mlci-test-key", "AWS_SECRET_ACCESS_KEY": "mlci-test-secret",
               "AWS_DEFAULT_REGION": "us-east-1"}


@dataclass(frozen=True)
class S3:
    """The server's endpoint URL and a bucket on it."""

    endpoint: str
    bucket: str

    def url(self, prefix: str) -> str:
        return f"s3://{self.bucket}/{prefix}"

    def client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id="x",
                            aws_secret_access_key="x", region_name="us-east-1")

    def keys(self, prefix: str) -> set[str]:
        """The object keys under `prefix/`, relative to it."""
        found: set[str] = set()
        pages = self.client().get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix + "/")
        for page in pages:
            found.update(item["Key"][len(prefix) + 1:] for item in page.get("Contents", []))
        return found


@contextmanager
def s3_server(bucket: str = "mlci-test") -> Iterator[S3]:
    """moto's S3 in a thread of this process, reachable by subprocesses too."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    s3 = S3(f"http://{host}:{port}", bucket)
    s3.client().create_bucket(Bucket=bucket)
    try:
        yield s3
    finally:
        server.stop()
