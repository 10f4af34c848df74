from __future__ import annotations

from pydantic import Field, SecretStr

from spamloop.settings import SettingsSection


class S3Config(SettingsSection):
    """An S3-compatible endpoint (AWS S3, MinIO, SeaweedFS...). Used for s3:// ingest sources and publishing."""

    endpoint_url: str | None = Field(
        default=None, description="Endpoint of an S3-compatible server; empty means AWS's own endpoint."
    )
    region: str = Field(default="us-east-1", description="Region name sent to the S3 API.")
    access_key_id: SecretStr | None = Field(
        default=None, description="Access key; empty means boto3's usual chain (AWS_ACCESS_KEY_ID, profiles, roles)."
    )
    secret_access_key: SecretStr | None = Field(
        default=None, description="Secret key; empty means boto3's usual chain (AWS_SECRET_ACCESS_KEY, ...)."
    )
    connect_timeout_s: float = Field(default=5.0, gt=0, description="TCP connect timeout for S3 calls.")
    read_timeout_s: float = Field(default=60.0, gt=0, description="Read timeout for S3 calls.")
    max_attempts: int = Field(default=3, ge=1, description="botocore retry attempts (standard mode) per S3 call.")
