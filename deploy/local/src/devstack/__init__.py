"""Embedded development stack: PostgreSQL and a Kafka-protocol broker from wheels, and the
four services, as child processes with no Docker. See ``python -m devstack --help``."""

from devstack.broker import EmbeddedBroker
from devstack.ports import free_port
from devstack.postgres import EmbeddedPostgres
from devstack.stack import ServiceSpec, Stack, StackError
from devstack.tokens import ALL_SCOPES, mint_token

__all__ = [
    "ALL_SCOPES",
    "EmbeddedBroker",
    "EmbeddedPostgres",
    "ServiceSpec",
    "Stack",
    "StackError",
    "free_port",
    "mint_token",
]
