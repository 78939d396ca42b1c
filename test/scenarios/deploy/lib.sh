# Shell library of the scenario deploy scripts (source it first). The harness (scenario.ts) sets:
#   SCENARIO_DIR   the scenario folder: events.jsonl, logs/, run/<name>.pid, pids/
#   ZD_NODE ZD_CLI the Node 24 binary and the built zerodown CLI (for `zerodown wait`)
#   BACKEND_TS     the backend program (harness/backend.ts); ZD_PARENT_PID the test process
#   NGINX_* or HAPROXY_* when the scenario has that load balancer, and the scenario's own ports.
set -euo pipefail

say() { echo "deploy: $*"; }

# True while PID runs (a zombie does not count: PID 1 of a container may never reap it).
running() {
  [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null
}

# The pid of the current process of backend NAME.
backend_pid() { cat "$SCENARIO_DIR/run/$1.pid"; }

# start_backend NAME PORT VERSION [--boot-delay MS] [--ready-after MS] [--on-term MODE]
# Starts a backend in the background (its output goes to logs/NAME-VERSION.log). Returns at once.
start_backend() {
  local name=$1 port=$2 version=$3
  shift 3
  say "start $name $version on :$port $*"
  "$ZD_NODE" "$BACKEND_TS" --name "$name" --port "$port" --version "$version" \
    --dir "$SCENARIO_DIR" --parent "$ZD_PARENT_PID" "$@" \
    </dev/null >>"$SCENARIO_DIR/logs/$name-$version.log" 2>&1 &
}

# stop_backend NAME: SIGTERM (the backend's --on-term decides how it ends), then wait for it.
stop_backend() {
  local pid
  pid=$(backend_pid "$1")
  say "stop $1 (pid $pid)"
  kill -TERM "$pid"
  wait_exit "$pid"
}

# wait_exit PID: until the process is gone (10 s at most).
wait_exit() {
  local i
  for ((i = 0; i < 1000; i++)); do
    running "$1" || return 0
    sleep 0.01
  done
  echo "deploy: pid $1 did not exit" >&2
  return 1
}

# wait_listening PORT: until anything answers HTTP there (any status; 10 s at most).
wait_listening() {
  local i
  for ((i = 0; i < 500; i++)); do
    curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/healthz" && return 0
    sleep 0.02
  done
  echo "deploy: nothing listens on :$1" >&2
  return 1
}

# wait_healthy PORT: until /healthz answers 200 (10 s at most).
wait_healthy() {
  local i
  for ((i = 0; i < 500; i++)); do
    curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$1/healthz" && return 0
    sleep 0.02
  done
  echo "deploy: :$1 never became healthy" >&2
  return 1
}

# zd_wait URL: the readiness gate a careful pipeline runs: `zerodown wait`.
zd_wait() {
  say "zerodown wait --url $1"
  "$ZD_NODE" "$ZD_CLI" wait --url "$1" --status 200 --timeout 10s --interval 50ms
}

# app_fault BASE_URL QUERY: changes a backend's behaviour for a while (see backend.ts, /__admin/fault).
app_fault() {
  say "fault $2"
  curl -sf -o /dev/null "$1/__admin/fault?$2"
}

# --- nginx -------------------------------------------------------------------------------------

# nginx_upstream PORT...: rewrites the `app` upstream (effective at the next reload).
nginx_upstream() {
  local f="$NGINX_PREFIX/upstream.conf" p
  {
    echo "upstream app {"
    for p in "$@"; do echo "  server 127.0.0.1:$p $NGINX_SERVER_OPTS;"; done
    echo "}"
  } >"$f.new"
  mv "$f.new" "$f"
  say "nginx upstream: $*"
}

# nginx_reload: graceful reload with this nginx's own prefix and config. Returns once the old
# workers (which finish the requests they have, then close their connections) are gone and new
# ones serve: from then on every request is proxied with the new config.
nginx_reload() {
  local master old p i still
  master=$(cat "$NGINX_PREFIX/nginx.pid")
  old=$(ps --ppid "$master" -o pid=)
  say "nginx -s reload"
  "$NGINX_BIN" -p "$NGINX_PREFIX" -c "$NGINX_CONF" -e "$NGINX_PREFIX/error.log" -s reload
  for ((i = 0; i < 500; i++)); do
    sleep 0.02
    still=0
    for p in $old; do running "$p" && still=1; done
    [ "$still" = 0 ] && ps --ppid "$master" -o pid= | grep -q . && return 0
  done
  echo "deploy: nginx reload did not complete" >&2
  return 1
}

# --- HAProxy -----------------------------------------------------------------------------------

# haproxy_cmd COMMAND...: one runtime API command over the admin socket.
haproxy_cmd() {
  say "haproxy: $*"
  echo "$*" | socat stdio "unix-connect:$HAPROXY_SOCK"
}

# haproxy_field BACKEND SERVER FIELD: a `show stat` field (5 = scur, 18 = status).
haproxy_field() {
  echo "show stat" | socat stdio "unix-connect:$HAPROXY_SOCK" |
    awk -F, -v be="$1" -v s="$2" -v f="$3" '$1 == be && $2 == s { print $f }'
}

# haproxy_wait_idle BACKEND SERVER: until the server has no session in progress (10 s at most).
haproxy_wait_idle() {
  local i
  for ((i = 0; i < 500; i++)); do
    [ "$(haproxy_field "$1" "$2" 5)" = "0" ] && return 0
    sleep 0.02
  done
  echo "deploy: $1/$2 still has sessions" >&2
  return 1
}

# haproxy_wait_up BACKEND SERVER: until HAProxy sees the server UP (10 s at most).
haproxy_wait_up() {
  local i
  for ((i = 0; i < 500; i++)); do
    [ "$(haproxy_field "$1" "$2" 18)" = "UP" ] && return 0
    sleep 0.02
  done
  echo "deploy: $1/$2 not UP: $(haproxy_field "$1" "$2" 18)" >&2
  return 1
}
