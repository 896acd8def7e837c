#!/bin/sh
# Run once by the postgres image on an empty data volume (/docker-entrypoint-initdb.d): Flagpost's
# own role, which owns its database but is not a superuser, so it can't switch off what protects
# the audit trail in other databases, read the server's files, or act as another role. The
# superuser (POSTGRES_USER) stays with whoever administers the database.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v password="$FLAGPOST_DB_PASSWORD" <<'SQL'
CREATE ROLE flagpost LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'password';
CREATE DATABASE flagpost OWNER flagpost;
SQL
