"""Settings every service shares, read from the environment (12-factor).

Each service subclasses `ServiceSettings` to add its own options and to name itself.
The same variable names are used by every service, so one process environment
(docker-compose, a Kubernetes ConfigMap, the embedded stack) reads the same everywhere.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The secret the embedded stack and the tests may fall back to. Production refuses it.
DEVELOPMENT_JWT_SECRET = "development-only-secret-do-not-use-in-production"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    service_name: str = Field(description="Short name: standards, appraisal, talent or ned")
    environment: Environment = Environment.DEVELOPMENT

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:55432/postgres"
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_echo: bool = False

    kafka_bootstrap_servers: str = "127.0.0.1:59092"
    # Tansu, the embedded broker, cannot do idempotent producers; Apache Kafka should.
    kafka_enable_idempotence: bool = True
    kafka_topic_partitions: int = Field(default=3, ge=1)
    # A consumer group waits about half the session timeout before its first assignment on the
    # embedded broker, and a dead member holds its partitions for the whole timeout.
    kafka_session_timeout_ms: int = Field(default=10_000, ge=1_000)
    kafka_heartbeat_interval_ms: int = Field(default=1_000, ge=100)

    # Authentication: HS256 with a shared secret in development, JWKS (RS256/ES256) in production.
    jwt_secret: str = DEVELOPMENT_JWT_SECRET
    jwt_algorithms: list[str] = Field(default_factory=lambda: ["HS256"])
    jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=300)

    # Consumer group of this service's event consumers; defaults to the service name.
    consumer_group: str | None = None

    # Run the outbox relay and the event consumers inside the API process.
    run_workers: bool = True
    outbox_poll_interval_seconds: float = Field(default=1.0, gt=0)
    outbox_batch_size: int = Field(default=500, ge=1, le=10_000)
    outbox_retention_days: int = Field(default=7, ge=1)
    # Events of one partition applied in one transaction (1 = one transaction per event). A
    # batch whose handler fails is rolled back and its events are applied one by one, so a bad
    # event still costs only itself a retry or a dead letter.
    consumer_batch_size: int = Field(default=200, ge=1, le=5_000)
    consumer_max_retries: int = Field(default=3, ge=0)
    consumer_retry_backoff_seconds: float = Field(default=0.2, ge=0)
    idempotency_retention_hours: int = Field(default=24, ge=1)

    log_level: str = "INFO"
    log_json: bool = True

    @property
    def topic(self) -> str:
        """The one topic this service publishes to (ARCHITECTURE §5)."""
        return f"leadership.{self.service_name}"

    @property
    def group_id(self) -> str:
        return self.consumer_group or self.service_name

    @property
    def source(self) -> str:
        """CloudEvents `source` of this service's events."""
        return f"/leadership/{self.service_name}"

    @model_validator(mode="after")
    def _refuse_development_secrets_in_production(self) -> Self:
        if self.environment is Environment.PRODUCTION:
            if self.jwks_url is None:
                raise ValueError(
                    "production needs JWKS_URL: tokens are verified against an OIDC provider"
                )
            if any(alg.startswith("HS") for alg in self.jwt_algorithms):
                raise ValueError(
                    "production accepts only asymmetric token algorithms (RS256, ES256)"
                )
            if self.jwt_secret == DEVELOPMENT_JWT_SECRET:
                raise ValueError("production refuses the development JWT secret")
        return self
