"""Fixtures for files in object storage: a real S3-protocol server (tests/s3_server.py, moto's
standalone server) started once per test process on a free port of 127.0.0.1 and stopped at the
end, and per test two fresh buckets that the "default" and "private" storages are pointed at,
through the same STORAGE_URL the settings read."""

import dataclasses
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from lms.storage import object_storages
from tests.local import free_port

BASE_DIR = Path(__file__).resolve().parent.parent
REGION = "eu-north-1"


@pytest.fixture(scope="session")
def s3_server():
    """The endpoint address of a running S3-protocol server."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.s3_server", str(port)],
        cwd=BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail("The S3 test server did not start.")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("The S3 test server did not answer within 30 seconds.")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclasses.dataclass
class ObjectStorage:
    url: str
    client: object
    media_bucket: str
    private_bucket: str

    def keys(self, bucket: str) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, bucket: str, key: str) -> bytes:
        return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()


def storage_url(endpoint: str, media: str, private: str, **options: str) -> str:
    host = endpoint.removeprefix("http://")
    query = "&".join(f"{k}={v}" for k, v in {"private_bucket": private, **options}.items())
    return f"s3://test-key:test-secret@{host}/{media}?region={REGION}&secure=0&{query}"


@pytest.fixture
def object_storage(settings, s3_server, request):
    """Media and private files of this test in two new buckets of the S3 test server."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
        region_name=REGION,
    )
    suffix = secrets.token_hex(4)
    media, private = f"media-{suffix}", f"private-{suffix}"
    for bucket in (media, private):
        client.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
    options = getattr(request, "param", {})
    url = storage_url(s3_server, media, private, **options)
    settings.STORAGES = {**settings.STORAGES, **object_storages(url, {})}
    return ObjectStorage(url=url, client=client, media_bucket=media, private_bucket=private)
