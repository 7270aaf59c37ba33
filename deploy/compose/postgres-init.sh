#!/bin/sh
# Run once by the official postgres image on an empty data directory
# (/docker-entrypoint-initdb.d): one role and one database per service, so a service can
# neither read nor write another service's data (each DATABASE_URL names its own role).
set -eu

SERVICE_DATABASES="standards appraisal talent ned"

for name in $SERVICE_DATABASES; do
    # psql substitutes :"name" (identifier) and :'password' (literal) safely quoted.
    psql --username "$POSTGRES_USER" --dbname postgres -v ON_ERROR_STOP=1 \
        -v name="$name" -v password="$SERVICE_DB_PASSWORD" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
done
