#!/usr/bin/env bash
# `make bench`: runs every benchmark side by side on this machine and writes BENCHMARKS.md.
#
#   bash benches/run.sh            full run (~10 min): 1/100/1,000/5,000 connections
#   bash benches/run.sh --quick    short windows, at most 1,000 connections (~3 min)
#   options: --servers "liveview echo pyview"   --no-criterion   --no-pyview-install
#            --keep (keep benches/results/ from earlier runs; re-run only --servers)
#
# Servers run one at a time (each fresh for its scenario group) so that they never compete
# for the 2 cores; the load tool, scenario and total event rate are the same for all three.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
QUICK=0
SERVERS="liveview echo pyview"
CRITERION=1
PY_INSTALL=1
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --servers) SERVERS="$2"; shift ;;
    --no-criterion) CRITERION=0 ;;
    --no-pyview-install) PY_INSTALL=0 ;;
    --keep) KEEP=1 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

RESULTS="$ROOT/benches/results"
PLOTS="$ROOT/benches/plots"
LOGS="$ROOT/target/bench-logs"
VENV="$ROOT/target/bench-venv"
LOAD="$ROOT/target/release/lv-load"
NOTES=()
note() { echo "note: $*" >&2; NOTES+=(--note "$*"); }
say() { echo "== $*" >&2; }

[ "$KEEP" = 1 ] || rm -rf "$RESULTS"
mkdir -p "$RESULTS" "$PLOTS" "$LOGS"

# --- limits: 5,000 client sockets + 5,000 server sockets (+ two threads per view server-side).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
say "limits: open files $(ulimit -n), threads-max $(cat /proc/sys/kernel/threads-max), pid_max $(cat /proc/sys/kernel/pid_max), max_map_count $(cat /proc/sys/vm/max_map_count)"
# Two threads per view server-side: 5,000 views are ~10,000 threads. Rust needs ~4 memory maps
# per thread, so vm.max_map_count / 4 caps a process (~16k threads here).
MAX_THREADS_PER_PROC=$(( $(cat /proc/sys/vm/max_map_count) / 4 ))
say "max user processes $(ulimit -u); threads per process limited to ~$MAX_THREADS_PER_PROC by max_map_count"
if [ "$MAX_THREADS_PER_PROC" -lt 10200 ]; then
  note "vm.max_map_count allows only ~$MAX_THREADS_PER_PROC threads per process: 5,000 views (10,000 threads) may be refused"
fi
if [ "$(ulimit -n)" -lt 12000 ]; then
  note "open-file limit is $(ulimit -n): runs above ~$(( $(ulimit -n) / 2 - 100 )) connections may fail to connect"
fi

# --- build
say "building the load tool and servers (release)"
cargo build --release -p liveview-loadtest --bin lv-load --bin lv-echo >"$LOGS/build.log" 2>&1 \
  || { cat "$LOGS/build.log" >&2; echo "build failed" >&2; exit 1; }
HAVE_LIVEVIEW=0
HAVE_HBS=0
if [[ " $SERVERS " == *" liveview "* ]]; then
  # With the templates crate the bench server also serves handlebars views (`--templates`).
  if cargo build --release -p liveview-loadtest --features templates --bin lv-bench-server >"$LOGS/build-server.log" 2>&1; then
    HAVE_LIVEVIEW=1
    HAVE_HBS=1
  elif cargo build --release -p liveview-loadtest --features server --bin lv-bench-server >>"$LOGS/build-server.log" 2>&1; then
    HAVE_LIVEVIEW=1
    note "handlebars views (liveview-hbs) not measured: the bench server's \`templates\` feature did not build (it needs \`liveview_templates::template!\`; see target/bench-logs/build-server.log)"
  else
    note "liveview's bench server did not build on this checkout (see target/bench-logs/build-server.log); results cover the echo floor and pyview only"
  fi
fi

# --- pyview in a virtualenv
HAVE_PYVIEW=0
if [[ " $SERVERS " == *" pyview "* ]]; then
  PY=""
  for cand in python3 python3.13 python3.12 python3.11; do
    if command -v "$cand" >/dev/null && "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      PY=$cand; break
    fi
  done
  if [ -z "$PY" ]; then
    note "no Python >= 3.11 found: pyview skipped"
  else
    if [ "$PY_INSTALL" = 1 ]; then
      say "installing pyview into $VENV"
      { [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"; } >"$LOGS/pip.log" 2>&1
      "$VENV/bin/pip" install -q -r benches/peers/requirements.txt >>"$LOGS/pip.log" 2>&1 \
        || note "pip install of pyview failed (see target/bench-logs/pip.log)"
    fi
    if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import pyview, uvicorn' 2>/dev/null; then
      HAVE_PYVIEW=1
      PYVIEW_VERSION=$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("pyview-web"))')
      say "pyview-web $PYVIEW_VERSION"
    else
      note "pyview is not installed: skipped"
    fi
  fi
fi

# --- servers
# A fresh port for every start: the previous server may still be tearing down thousands of
# threads (and their sockets) when the next one binds.
declare -A PORT=([liveview]=4000 [liveview-hbs]=4000 [echo]=4000 [pyview]=4000)
NEXT_PORT=$(( 21000 + RANDOM % 8000 ))   # below the ephemeral range
SERVER_PID=""
start_server() {
  local name=$1 port=$NEXT_PORT
  NEXT_PORT=$(( NEXT_PORT + 1 ))
  PORT[$name]=$port
  case "$name" in
    liveview) "$ROOT/target/release/lv-bench-server" "127.0.0.1:$port" >>"$LOGS/liveview.log" 2>&1 & SERVER_PID=$! ;;
    liveview-hbs) "$ROOT/target/release/lv-bench-server" "127.0.0.1:$port" --templates >>"$LOGS/liveview-hbs.log" 2>&1 & SERVER_PID=$! ;;
    echo) "$ROOT/target/release/lv-echo" "127.0.0.1:$port" >>"$LOGS/echo.log" 2>&1 & SERVER_PID=$! ;;
    pyview) (cd benches/peers && exec "$VENV/bin/python" -m uvicorn pyview_bench.app:app --host 127.0.0.1 \
               --port "$port" --log-level warning --no-access-log) >>"$LOGS/pyview.log" 2>&1 & SERVER_PID=$! ;;
  esac
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/counter"; then return 0; fi
    sleep 0.1
  done
  echo "server $name did not come up on port $port (see $LOGS/$name.log)" >&2
  stop_server
  return 1
}
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=""
  fi
  sleep 0.5   # let TIME_WAIT sockets and the kernel settle between servers
}
trap stop_server EXIT

ACTIVE=()
for s in $SERVERS; do
  case "$s" in
    liveview)
      [ "$HAVE_LIVEVIEW" = 1 ] && ACTIVE+=(liveview)
      [ "$HAVE_HBS" = 1 ] && ACTIVE+=(liveview-hbs) ;;
    pyview) [ "$HAVE_PYVIEW" = 1 ] && ACTIVE+=(pyview) ;;
    echo) ACTIVE+=(echo) ;;
  esac
done
say "servers: ${ACTIVE[*]}"

# lv-load wrapper: load NAME SCENARIO FILE-TAG args...
load() {
  local server=$1 scenario=$2 tag=$3; shift 3
  local ramp=1000
  [ "$server" = pyview ] && ramp=500
  "$LOAD" run --url "http://127.0.0.1:${PORT[$server]}/$PAGE" --server "$server" --scenario "$scenario" \
    --pid "$SERVER_PID" --ramp "$ramp" --out "$RESULTS/$server-$scenario-$tag.json" "$@" \
    || echo "run $server/$scenario/$tag failed" >&2
}

if [ "$QUICK" = 1 ]; then
  DUR=3; WARM=1; B2B=3; COUNTS="1 100 1000"; IDLE_COUNTS="1000"; IDLE_SECS=3; ROUNDS=5
else
  DUR=10; WARM=2; B2B=5; COUNTS="1 100 1000 5000"; IDLE_COUNTS="1000 5000"; IDLE_SECS=18; ROUNDS=10
fi

START=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for server in "${ACTIVE[@]}"; do
  say "$server: (a) counter"
  start_server "$server" || continue
  PAGE=counter
  load "$server" counter b2b-1 --mode b2b --conns 1 --duration "$B2B" --warmup 1
  # The handlebars variant differs only in rendering: its counter and table runs, no more.
  HBS_COUNTS=""
  for n in $COUNTS; do [ "$n" -le 1000 ] && HBS_COUNTS="$HBS_COUNTS $n"; done
  [ "$server" = liveview-hbs ] || load "$server" counter b2b-4 --mode b2b --conns 4 --duration "$B2B" --warmup 1
  for n in $([ "$server" = liveview-hbs ] && echo "$HBS_COUNTS" || echo "$COUNTS"); do
    # 1 connection: 100 ev/s (enough samples); otherwise 1 event/s per connection.
    if [ "$n" = 1 ]; then rate=100; else rate=$n; fi
    load "$server" counter "rate-$n" --mode rate --conns "$n" --rate "$rate" --duration "$DUR" --warmup "$WARM"
  done
  stop_server

  say "$server: (b) 1,000-row table"
  start_server "$server" || continue
  PAGE=table
  # 20 ev/s total: pyview needs ~10 ms per table event, so a higher rate only measures its queue.
  load "$server" table rate-1 --mode rate --conns 1 --rate 20 --event bump --duration "$DUR" --warmup "$WARM"
  load "$server" table b2b-1 --mode b2b --conns 1 --event bump --duration "$B2B" --warmup 1
  stop_server
  [ "$server" = liveview-hbs ] && continue

  for n in $IDLE_COUNTS; do
    say "$server: (c) $n idle views"
    start_server "$server" || continue
    PAGE=counter
    load "$server" idle "$n" --mode idle --conns "$n" --duration "$IDLE_SECS" --warmup 0
    stop_server
  done

  say "$server: (d) fan-out to 1,000 views"
  start_server "$server" || continue
  PAGE=counter
  load "$server" fanout 1000 --mode fanout --conns 1001 --rounds "$ROUNDS" --interval-ms 500 --warmup 1
  stop_server
done
say "load runs took $(( $(date +%s) - START )) s"

# --- criterion micro-benchmarks (core diff, templates render)
CRIT_ARGS=()
if [ "$CRITERION" = 1 ]; then
  say "cargo bench (criterion)"
  BENCH_FLAGS=()
  [ "$QUICK" = 1 ] && BENCH_FLAGS=(-- --warm-up-time 0.5 --measurement-time 1)
  # --bench '*' selects only bench targets: libtest (lib unit tests) rejects criterion's options.
  if cargo bench --workspace --exclude liveview-loadtest --bench '*' "${BENCH_FLAGS[@]}" >"$LOGS/criterion.log" 2>&1; then
    CRIT_ARGS=(--criterion "$ROOT/target/criterion")
  else
    note "cargo bench failed (see target/bench-logs/criterion.log); criterion figures are missing"
    [ -d "$ROOT/target/criterion" ] && CRIT_ARGS=(--criterion "$ROOT/target/criterion")
  fi
fi

if [ "$CRITERION" = 0 ] && [ -d "$ROOT/target/criterion" ]; then
  CRIT_ARGS=(--criterion "$ROOT/target/criterion")
  note "criterion figures are from an earlier \`cargo bench\` (this run used --no-criterion)"
fi
[ "$HAVE_PYVIEW" = 1 ] && NOTES+=(--note "pyview: pyview-web $PYVIEW_VERSION on uvicorn[standard] (uvloop, httptools, websockets), one process, Python $("$VENV/bin/python" -c 'import platform; print(platform.python_version())').")
NOTES+=(--note "load average (1/5/15 min) before the load runs: $LOAD_BEFORE; after: $(cut -d' ' -f1-3 /proc/loadavg). Anything above ~0.5 means other work shared the 2 cores with the benchmark.")
QUICK_FLAG=()
CMD="make bench"
[ "$QUICK" = 1 ] && { QUICK_FLAG=(--quick); CMD="bash benches/run.sh --quick"; }
"$LOAD" report --results "$RESULTS" "${CRIT_ARGS[@]}" --out "$ROOT/BENCHMARKS.md" --plots "$PLOTS" \
  --plots-rel benches/plots --command "$CMD" --analysis "$ROOT/benches/analysis.md" "${QUICK_FLAG[@]}" "${NOTES[@]}"
say "done in $(( $(date +%s) - START )) s: BENCHMARKS.md"
