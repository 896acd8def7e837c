#!/usr/bin/env bash
# Runs Flagpost's three processes together: the web server, a Celery worker
# and Celery beat, on whatever DATABASE_URL / CELERY_BROKER_URL say (the
# embedded SQLite + file broker by default). Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=${FLAGPOST_HOST:-127.0.0.1}
PORT=${FLAGPOST_PORT:-8000}
mkdir -p var/log
# One cache for the three processes, so a change the worker makes is seen by the web server at once.
export CACHE_URL=${CACHE_URL:-filecache://$PWD/var/cache}

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

$BIN/celery -A config worker --loglevel=INFO --concurrency=2 >var/log/worker.log 2>&1 &
pids+=($!)
# Exactly one beat process, always.
$BIN/celery -A config beat --loglevel=INFO >var/log/beat.log 2>&1 &
pids+=($!)

echo
echo "Flagpost is running at http://$HOST:$PORT/ (worker and beat logs in var/log/; Ctrl-C stops everything)"
echo "Emails are written to var/mail/. Sign in with a demo login printed above."
echo
$BIN/python manage.py runserver "$HOST:$PORT" &
pids+=($!)
wait -n "${pids[@]}"
