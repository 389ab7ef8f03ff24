#!/usr/bin/env bash
# What the rate limiter costs (issue 4): throughput with limits on and off, and Redis commands per proxied
# request (the budget is one limiter script call per request).
#
# It builds nothing: run `./mvnw -o package -DskipTests` first. It starts, all on 127.0.0.1:
#   - a private redis-server on a free port (so CONFIG RESETSTAT and INFO commandstats see the gateways alone,
#     and no other user of the shared Redis is disturbed), keys under the prefix kgw-bench:,
#   - InstantUpstream.java (answers 200 at once), standing in for Keap,
#   - the packaged gateway twice, side by side: limits on (key and connection limits far above the load, so
#     that nothing is denied) and limits off (KEAP_GATEWAY_LIMITS_ENABLED=false).
# Then wrk drives them in alternating rounds of fixed length and connection count: warm-up rounds first (the
# JIT needs tens of seconds of load on two cores), then measured rounds. Alternating spreads any noise from
# the rest of the machine over both. Everything it started is stopped at the end, the private Redis with it.
#
# Usage:   src/test/bench/limits-benchmark.sh
# Settings (environment): ROUND (default 5s), WARMUP_ROUNDS (3), ROUNDS (2), CONNECTIONS (32), THREADS (2),
#          JAVA (java)
# Needs:   java 17, wrk (apt-get install -y wrk), redis-server and redis-cli, curl, awk.
set -euo pipefail

ROUND=${ROUND:-5s}
WARMUP_ROUNDS=${WARMUP_ROUNDS:-3}
ROUNDS=${ROUNDS:-2}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
JAVA=${JAVA:-java}
PREFIX="kgw-bench:"
ADMIN_TOKEN="bench-admin-token-0123456789"
PATH_UNDER_TEST="/crm/rest/v1/contacts"

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
APP="$ROOT/target/quarkus-app"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/limits-bench.XXXXXX")
PIDS=()

fail() {
    echo "limits-benchmark: $*" >&2
    echo "logs: $WORK" >&2
    KEEP_WORK=1
    exit 1
}

cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [ -z "${KEEP_WORK:-}" ]; then
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

for tool in "$JAVA" wrk redis-server redis-cli curl awk; do
    command -v "$tool" >/dev/null || fail "$tool is missing (wrk: apt-get install -y wrk)"
done
[ -f "$APP/quarkus-run.jar" ] || fail "no packaged gateway in $APP: run ./mvnw -o package -DskipTests first"

# A port nothing listens on (a connection attempt is refused).
free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
}

# Waits up to $2 seconds until $1 answers 2xx.
await_url() {
    local deadline=$((SECONDS + $2))
    until curl -sf -o /dev/null "$1"; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
UPSTREAM_PORT=$(free_port)
"$JAVA" -cp "$APP/lib/main/*" "$ROOT/src/test/bench/InstantUpstream.java" "$UPSTREAM_PORT" >"$WORK/upstream.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
done
redis() { redis-cli -p "$REDIS_PORT" "$@"; }

# Starts a gateway with limits on ($1 = true) or off; its URL goes to $WORK/url-$1.
start_gateway() {
    local port management
    port=$(free_port)
    management=$(free_port)
    env KEAP_GATEWAY_ADMIN_TOKEN="$ADMIN_TOKEN" \
        KEAP_GATEWAY_ENCRYPTION_KEY="AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" \
        KEAP_GATEWAY_UPSTREAM_URL="http://127.0.0.1:$UPSTREAM_PORT" \
        KEAP_GATEWAY_API_KEY="KeapAK-bench-0000000000000000" \
        KEAP_GATEWAY_REDIS_PREFIX="$PREFIX" \
        QUARKUS_REDIS_HOSTS="redis://127.0.0.1:$REDIS_PORT" \
        KEAP_GATEWAY_LIMITS_ENABLED="$1" \
        KEAP_GATEWAY_LIMITS_CONNECTION_RATE=1000000 \
        KEAP_GATEWAY_LIMITS_CONNECTION_BURST=1000000 \
        KEAP_GATEWAY_LIMITS_CONNECTION_DAILY=1000000000000 \
        "$JAVA" -Xmx512m -Dquarkus.http.port="$port" -Dquarkus.management.port="$management" \
        -jar "$APP/quarkus-run.jar" >"$WORK/gateway-limits-$1.log" 2>&1 &
    PIDS+=($!)
    echo $! >"$WORK/pid-$1"
    echo "http://127.0.0.1:$port" >"$WORK/url-$1"
    echo "http://127.0.0.1:$management" >"$WORK/management-$1"
}

start_gateway true
start_gateway false
for on in true false; do
    await_url "$(cat "$WORK/management-$on")/q/health/live" 120 || fail "the gateway (limits $on) did not start"
done
await_url "http://127.0.0.1:$UPSTREAM_PORT/" 60 || fail "the upstream did not start"
ON_URL=$(cat "$WORK/url-true")
OFF_URL=$(cat "$WORK/url-false")

# One key for both gateways (they share the store): issued on one, used on both once the other knows it.
KEY=$(curl -sf -H "Authorization: Bearer $ADMIN_TOKEN" -H "Content-Type: application/json" \
    -d '{"name":"bench","rate":{"per_second":100000,"burst":1000000}}' "$ON_URL/admin/keys" |
    sed -n 's/.*"key":"\(kgw_[^"]*\)".*/\1/p')
[ -n "$KEY" ] || fail "could not issue a key"
for url in "$ON_URL" "$OFF_URL"; do
    deadline=$((SECONDS + 10))
    until [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" "$url$PATH_UNDER_TEST")" \
        = 200 ]; do
        [ "$SECONDS" -lt "$deadline" ] || fail "$url does not forward with the key"
        sleep 0.2
    done
done

# CPU seconds a process has used (user + system), from /proc.
cpu_of() { # $1 pid
    awk -v tick="$(getconf CLK_TCK)" '{printf "%.3f", ($14 + $15) / tick}' "/proc/$1/stat"
}
redis_cpu() {
    redis info cpu | tr -d '\r' |
        awk -F: '$1 == "used_cpu_user" || $1 == "used_cpu_sys" {n += $2} END {printf "%.3f", n}'
}

drive() { # $1 url, $2 output file
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$ROUND" --latency -H "Authorization: Bearer $KEY" \
        "$1$PATH_UNDER_TEST" >"$2"
}

for round in $(seq "$WARMUP_ROUNDS"); do
    drive "$ON_URL" "$WORK/warmup-on-$round.txt"
    drive "$OFF_URL" "$WORK/warmup-off-$round.txt"
done
LOCAL_BEFORE=$(grep -c "Redis unreachable" "$WORK/gateway-limits-true.log" || true)
for round in $(seq "$ROUNDS"); do
    for on in on off; do
        url=$([ "$on" = on ] && echo "$ON_URL" || echo "$OFF_URL")
        pid=$(cat "$WORK/pid-$([ "$on" = on ] && echo true || echo false)")
        redis config resetstat >/dev/null
        gateway_cpu=$(cpu_of "$pid")
        redis_cpu_before=$(redis_cpu)
        drive "$url" "$WORK/$on-$round.txt"
        echo "$(cpu_of "$pid") $gateway_cpu $(redis_cpu) $redis_cpu_before" |
            awk '{printf "%.3f %.3f\n", $1 - $2, $3 - $4}' >"$WORK/$on-$round.cpu.txt"
        redis info commandstats >"$WORK/$on-$round.commandstats.txt"
    done
done
LOCAL_DURING=$(( $(grep -c "Redis unreachable" "$WORK/gateway-limits-true.log" || true) - LOCAL_BEFORE ))

# From wrk's output: "N requests in Ts", "Requests/sec: X", "Non-2xx or 3xx responses: N" (when any) and,
# with --latency, a distribution whose "50%" and "99%" lines are the median and the 99th percentile.
sum_of() { # $1 on/off, $2 awk program printing one number per file
    local total=0 value
    for round in $(seq "$ROUNDS"); do
        value=$(awk "$2" "$WORK/$1-$round.txt")
        total=$(awk -v a="$total" -v b="${value:-0}" 'BEGIN {print a + b}')
    done
    echo "$total"
}
requests() { sum_of "$1" '/requests in/ {print $1}'; }
non2xx() { sum_of "$1" '/Non-2xx or 3xx responses:/ {n = $5} END {print n + 0}'; }
rps() { # the mean of the rounds' rates
    awk -v t="$(sum_of "$1" '/^Requests\/sec:/ {print $2}')" -v n="$ROUNDS" 'BEGIN {printf "%.1f", t / n}'
}
latency() { # $1 on/off, $2 percentile line ("50%"): the rounds' values, joined
    local values=()
    for round in $(seq "$ROUNDS"); do
        values+=("$(awk -v p="$2" '$1 == p {print $2}' "$WORK/$1-$round.txt")")
    done
    (IFS=/; echo "${values[*]}")
}

cpu_ms_per_request() { # $1 on/off, $2 column (1 gateway, 2 Redis)
    local seconds
    seconds=$(for round in $(seq "$ROUNDS"); do awk -v c="$2" '{print $c}' "$WORK/$1-$round.cpu.txt"; done |
        awk '{n += $1} END {print n}')
    awk -v s="$seconds" -v r="$(requests "$1")" 'BEGIN {printf "%.3f", (r > 0 ? s * 1000 / r : 0)}'
}

# Calls per command in the measured rounds of $1, without the benchmark's own CONFIG and INFO.
commands() {
    for round in $(seq "$ROUNDS"); do
        tr -d '\r' <"$WORK/$1-$round.commandstats.txt" |
            awk -F'[_:,=]' '/^cmdstat_/ && $2 !~ /^(config|info)/ {print $2, $4}'
    done | awk '{n[$1] += $2} END {for (c in n) print c, n[c]}'
}
per_request() { # $1 calls, $2 requests
    awk -v c="$1" -v r="$2" 'BEGIN {printf "%.3f", (r > 0 ? c / r : 0)}'
}

printf '\nKeap Gateway limiter benchmark: wrk -t%s -c%s, %s x %s measured per side (after %s x %s warm-up),\n' \
    "$THREADS" "$CONNECTIONS" "$ROUNDS" "$ROUND" "$WARMUP_ROUNDS" "$ROUND"
printf 'alternating on/off, loopback, %s cores, load average %s\n\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-7s %9s %9s %8s %17s %17s %12s %14s %12s %12s\n' limits req/s requests non-2xx "p50 (per round)" \
    "p99 (per round)" evalsha/req redis-cmds/req "gw-cpu-ms/req" "redis-cpu-ms/req"
for on in on off; do
    n=$(requests "$on")
    evalsha=$(commands "$on" | awk '$1 == "evalsha" {print $2 + 0}')
    all=$(commands "$on" | awk '{n += $2} END {print n + 0}')
    printf '%-7s %9s %9s %8s %17s %17s %12s %14s %12s %12s\n' "$on" "$(rps "$on")" "$n" "$(non2xx "$on")" \
        "$(latency "$on" 50%)" "$(latency "$on" 99%)" "$(per_request "${evalsha:-0}" "$n")" \
        "$(per_request "$all" "$n")" "$(cpu_ms_per_request "$on" 1)" "$(cpu_ms_per_request "$on" 2)"
done
awk -v on="$(rps on)" -v off="$(rps off)" 'BEGIN {
    printf "\noverhead of limits: %.1f%% fewer requests per second than with limits off\n", (off - on) / off * 100}'
awk -v on="$(cpu_ms_per_request on 1)" -v off="$(cpu_ms_per_request off 1)" 'BEGIN {
    printf "gateway CPU per request: +%.3f ms (%.1f%%) with limits on\n", on - off, (on - off) / off * 100}'
printf 'limits-on gateway entered local mode (a Redis call over 200 ms) %s times while measured\n' "$LOCAL_DURING"

ON_REQUESTS=$(requests on)
printf '\nRedis commands per proxied request with limits on, by command. One EVALSHA is the one round trip; the\n'
printf 'others run inside the limiter script (or are the background heartbeat and store polling, ~5/s):\n'
commands on | sort -k2,2nr | while read -r command calls; do
    printf '  %-18s %s\n' "$command" "$(per_request "$calls" "$ON_REQUESTS")"
done

[ "$(non2xx on)" = 0 ] || fail "limits on: $(non2xx on) answers were not 2xx (the limits should deny nothing)"
EVALSHA_PER_REQUEST=$(per_request "$(commands on | awk '$1 == "evalsha" {print $2 + 0}')" "$ON_REQUESTS")
awk -v e="$EVALSHA_PER_REQUEST" 'BEGIN {exit !(e <= 1.01)}' ||
    fail "limits on: $EVALSHA_PER_REQUEST EVALSHA per request, more than one script call"
