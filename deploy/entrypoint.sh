#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# The image's one entry point: the first argument names the process (docs/operations.md, "Containers").
#   web       gunicorn config.wsgi:application on :8000 (WSGI sync workers; WEB_CONCURRENCY, default 2)
#   asgi      uvicorn config.asgi:application on :8001, the websockets (/ws/: chat, co-edited documents)
#   worker    celery -A config worker   (any number of containers)
#   beat      celery -A config beat     (exactly one)
#   migrate   manage.py migrate + load_catalog; with CIVICLOOP_DEMO on, prepare_demo (the demo data)
#   manage …  any manage.py command, e.g. `manage verify_audit_chain`
# Anything else runs as given (`sh`, `python -c …`).
set -eu

role="${1:-web}"
[ "$#" -gt 0 ] && shift

case "$role" in
  web)
    if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
      # Emptied at every start of the service, never at a worker's restart (operations.md, "Prometheus").
      mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
      find "$PROMETHEUS_MULTIPROC_DIR" -mindepth 1 -delete
    fi
    exec gunicorn config.wsgi:application --bind 0.0.0.0:8000 --workers "${WEB_CONCURRENCY:-2}" \
      --timeout 60 --graceful-timeout 30 "$@"
    ;;
  asgi)
    # One process per core; the proxy sends /ws/ here (operations.md, "Websockets").
    exec uvicorn config.asgi:application --host 0.0.0.0 --port 8001 --ws websockets-sansio --http httptools \
      --loop uvloop --no-access-log --proxy-headers "$@"
    ;;
  worker)
    exec celery -A config worker --loglevel WARNING "$@"
    ;;
  beat)
    exec celery -A config beat --loglevel WARNING "$@"
    ;;
  migrate)
    case "$(printf %s "${CIVICLOOP_DEMO:-}" | tr '[:upper:]' '[:lower:]')" in
      1|true|yes|on) exec python manage.py prepare_demo ;;
    esac
    python manage.py migrate --noinput
    exec python manage.py load_catalog
    ;;
  manage)
    exec python manage.py "$@"
    ;;
  *)
    exec "$role" "$@"
    ;;
esac
