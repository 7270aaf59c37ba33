#!/bin/sh
# One-shot run by docker compose in the apache/kafka image once the broker is healthy: creates
# every topic the services publish to, consume from or dead-letter to, before any service
# starts (auto-creation is off on the broker). Idempotent, so `docker compose up` may rerun it.
set -eu

: "${BOOTSTRAP_SERVERS:?}" "${EVENT_TOPICS:?}" "${DEAD_LETTER_TOPICS:?}"
PARTITIONS="${PARTITIONS:-3}"
REPLICATION_FACTOR="${REPLICATION_FACTOR:-1}"
# Dead letters wait for a person to look at them: keep them longer than the 7-day default.
DEAD_LETTER_RETENTION_MS="${DEAD_LETTER_RETENTION_MS:-2592000000}"
TOPICS_CMD=/opt/kafka/bin/kafka-topics.sh

create() {
    topic="$1"
    shift
    "$TOPICS_CMD" --bootstrap-server "$BOOTSTRAP_SERVERS" --create --if-not-exists \
        --topic "$topic" --partitions "$PARTITIONS" \
        --replication-factor "$REPLICATION_FACTOR" "$@"
}

for topic in $EVENT_TOPICS; do
    create "$topic"
done
for topic in $DEAD_LETTER_TOPICS; do
    create "$topic" --config "retention.ms=$DEAD_LETTER_RETENTION_MS"
done
"$TOPICS_CMD" --bootstrap-server "$BOOTSTRAP_SERVERS" --list
