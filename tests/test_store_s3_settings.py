"""The s3 store's channels.yaml section, its DSPROD_* overrides, and the URLs readers get."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsprod.config import ENVIRONMENT_OVERRIDES, load_settings
from dsprod.errors import InputError
from dsprod.store.s3 import S3Settings, read_url

# Fast and self-contained: also run when dsprod tests its own installed package.
pytestmark = pytest.mark.selftest

SECTION = (
    "store: {kind: s3, bucket: conda, prefix: team-a,"
    " endpoint_url: 'http://127.0.0.1:8333', region: eu-west-1}\n"
)


def settings_of(folder: Path, text: str, **environ: str) -> S3Settings:
    (folder / "channels.yaml").write_text(text)
    store = load_settings(folder, environ=environ).store
    assert isinstance(store, S3Settings)
    return store


def test_the_section_as_the_issue_writes_it(tmp_path: Path) -> None:
    store = settings_of(tmp_path, SECTION)
    assert (store.bucket, store.prefix, store.endpoint_url, store.region) == (
        "conda",
        "team-a",
        "http://127.0.0.1:8333",
        "eu-west-1",
    )
    assert read_url(store, "unstable") == "http://127.0.0.1:8333/conda/team-a/unstable"


def test_variables_override_the_file(tmp_path: Path) -> None:
    store = settings_of(
        tmp_path,
        "store: {kind: local}\n",
        DSPROD_STORE_KIND="s3",
        DSPROD_S3_BUCKET="other",
        DSPROD_S3_PREFIX="/ci/runs/",
        DSPROD_S3_ENDPOINT_URL="https://s3.example.org/",
    )
    assert (store.bucket, store.prefix, store.endpoint_url, store.region) == (
        "other",
        "ci/runs",
        "https://s3.example.org",
        "us-east-1",
    )
    assert set(ENVIRONMENT_OVERRIDES) >= {
        "DSPROD_S3_BUCKET",
        "DSPROD_S3_PREFIX",
        "DSPROD_S3_ENDPOINT_URL",
        "DSPROD_S3_REGION",
    }


def test_dsprod_store_names_bucket_and_prefix(tmp_path: Path) -> None:
    store = settings_of(tmp_path, SECTION, DSPROD_STORE="s3://builds/nightly/x")
    assert (store.bucket, store.prefix) == ("builds", "nightly/x")


def test_aws_and_a_read_url(tmp_path: Path) -> None:
    aws = settings_of(tmp_path, "store: {kind: s3, bucket: conda}\n")
    assert read_url(aws, "stable") == "https://conda.s3.us-east-1.amazonaws.com/stable"
    served = settings_of(
        tmp_path, "store: {kind: s3, bucket: conda, read_url: 'https://conda.example.org/'}\n"
    )
    assert read_url(served, "stable") == "https://conda.example.org/stable"


@pytest.mark.parametrize(
    ("text", "environ", "message"),
    [
        (
            "store: {kind: s3}\n",
            {},
            "channels.yaml: 'store.bucket' must be an S3 bucket name",
        ),
        (
            "store: {kind: s3, bucket: Conda_Bad}\n",
            {},
            "'store.bucket' must be an S3 bucket name (3-63 lower-case",
        ),
        (
            "store: {kind: s3, bucket: conda, prefix: '../up'}\n",
            {},
            "'store.prefix' must be a folder in the bucket",
        ),
        (
            "store: {kind: s3, bucket: conda, endpoint_url: 'http://key:secret@host'}\n",
            {},
            "'store.endpoint_url' must be an http(s) URL without credentials",
        ),
        (
            "store: {kind: s3, bucket: conda, region: 5}\n",
            {},
            "'store.region' must be a string, got int 5",
        ),
        (
            "store: {kind: s3, bucket: conda, access_key: x}\n",
            {},
            "unknown key 'store.access_key'",
        ),
        (
            "store: {kind: s3, bucket: conda}\n",
            {"DSPROD_S3_BUCKET": "No"},
            "channels.yaml with DSPROD_S3_BUCKET: 'store.bucket' must be",
        ),
        (
            "store: {kind: s3, bucket: conda}\n",
            {"DSPROD_STORE": "/a/folder"},
            "DSPROD_STORE: an s3 store's location is s3://BUCKET/PREFIX",
        ),
    ],
)
def test_bad_settings_are_one_line_naming_file_and_key(
    tmp_path: Path, text: str, environ: dict[str, str], message: str
) -> None:
    (tmp_path / "channels.yaml").write_text(text)
    with pytest.raises(InputError) as raised:
        load_settings(tmp_path, environ=environ)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_read_s3_serves_s3_urls_and_is_overridable(tmp_path: Path) -> None:
    store = settings_of(tmp_path, SECTION.replace("}", ", read: s3}"))
    assert store.read == "s3"
    assert read_url(store, "unstable") == "s3://conda/team-a/unstable"
    assert settings_of(tmp_path, SECTION).read == "http"
    flipped = settings_of(tmp_path, SECTION, DSPROD_S3_READ="s3", DSPROD_S3_PREFIX="ci")
    assert read_url(flipped, "testing") == "s3://conda/ci/testing"
    assert "DSPROD_S3_READ" in ENVIRONMENT_OVERRIDES


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("read: ftp", "'store.read' must be one of: http, s3"),
        ("read: s3, read_url: 'https://cdn.example.org'", "'store.read_url' is where 'read: http'"),
        ("read: s3, profile: ci", "'store.profile' is not seen by py-rattler's S3 reader"),
    ],
)
def test_bad_read_settings_are_one_line(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(")) as raised:
        settings_of(tmp_path, SECTION.replace("}", f", {extra}}}"))
    assert "\n" not in str(raised.value)
