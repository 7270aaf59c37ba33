#!/bin/sh
# The container's entry point: picks the service and the role, then becomes that process
# (exec), so SIGTERM from Docker or Kubernetes reaches Python directly.
#
#   entrypoint.sh <service> <role> [options]   e.g. `standards api`
#   entrypoint.sh <role> [options]             the service from SERVICE_NAME
#
# Roles: api (HTTP on API_PORT), worker (outbox relay and consumers; health and metrics on
# WORKER_PORT), migrate (Alembic upgrade to head, then exit).
set -eu

API_PORT="${API_PORT:-8000}"
WORKER_PORT="${WORKER_PORT:-8001}"
# Uvicorn processes per API container; scale with replicas first, this second.
WEB_CONCURRENCY="${WEB_CONCURRENCY:-1}"
SERVICES="standards appraisal talent ned"

usage() {
    echo "usage: entrypoint.sh [standards|appraisal|talent|ned] api|worker|migrate [options]" >&2
    echo "       (without a service argument, SERVICE_NAME names the service)" >&2
    exit 64
}

is_service() {
    for known in $SERVICES; do
        [ "$1" = "$known" ] && return 0
    done
    return 1
}

service="${SERVICE_NAME:-}"
if [ $# -gt 0 ] && is_service "$1"; then
    service="$1"
    shift
fi
is_service "$service" || usage
[ $# -gt 0 ] || usage
role="$1"
shift

# The settings read SERVICE_NAME as well: it must name the module we run, or the process
# would publish to another service's topic.
export SERVICE_NAME="$service"

case "$role" in
    api)
        exec python -m "$service" serve --host 0.0.0.0 --port "$API_PORT" \
            --workers "$WEB_CONCURRENCY" "$@"
        ;;
    worker)
        exec python -m "$service" worker --host 0.0.0.0 --port "$WORKER_PORT" "$@"
        ;;
    migrate)
        exec python -m "$service" migrate "$@"
        ;;
    *)
        usage
        ;;
esac
