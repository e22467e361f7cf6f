#!/usr/bin/env bash
# Makes sure the services the tests use are running, and prints `export` lines for them.
# PostgreSQL: $DATABASE_URL if set, else 127.0.0.1:5432 (started if installed and stopped),
# else a throwaway cluster from the installed server binaries. Redis: 127.0.0.1:6379, started
# if installed and stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '%s\n' "$*" >&2; }

pg_up() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

if [ -z "${DATABASE_URL:-}" ]; then
  if ! pg_up 5432 && command -v pg_ctlcluster >/dev/null 2>&1 && ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log "starting PostgreSQL cluster on 5432"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start >&2 || true
    for _ in $(seq 1 30); do pg_up 5432 && break; sleep 0.5; done
  fi
  if pg_up 5432; then
    echo "export DATABASE_URL=postgres://postgres@127.0.0.1:5432/rounds"
  else
    initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1 || true)
    if [ -z "$initdb" ]; then
      log "PostgreSQL not found: install it with 'apt-get install -y postgresql' (or set DATABASE_URL)."
      exit 1
    fi
    bindir=$(dirname "$initdb"); data=/tmp/rounds-pg; port=54329
    if ! pg_up $port; then
      log "starting a throwaway PostgreSQL cluster in $data on port $port"
      rm -rf "$data"; mkdir -p "$data"
      runas=(); [ "$(id -u)" = 0 ] && { chown postgres "$data"; runas=(runuser -u postgres --); }
      "${runas[@]}" "$initdb" -D "$data" -A trust -U postgres >/dev/null
      "${runas[@]}" "$bindir/pg_ctl" -D "$data" -o "-p $port -k /tmp -c listen_addresses=127.0.0.1" -l "$data/log" -w start >&2
    fi
    echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$port/rounds"
  fi
fi

redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }
if [ -z "${CELERY_BROKER_URL:-}" ]; then
  if ! redis_up; then
    if command -v redis-server >/dev/null 2>&1; then
      log "starting Redis on 6379"
      mkdir -p /tmp/rounds-redis
      redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
        --dir /tmp/rounds-redis --logfile /tmp/rounds-redis/redis.log >&2
      for _ in $(seq 1 20); do redis_up && break; sleep 0.25; done
    else
      log "Redis not found: install it with 'apt-get install -y redis-server' (or set CELERY_BROKER_URL)."
      exit 1
    fi
  fi
  echo "export CELERY_BROKER_URL=redis://127.0.0.1:6379/0"
fi
