#!/usr/bin/env bash
# Native executable vs JVM, side by side (README "Operating", "Measured"): time from exec to the first
# proxied 200, RSS when idle and after load, and the size of what is shipped.
#
# It builds nothing. Build both first (the native one with the workplace's stand-in, or a real GraalVM):
#   ./mvnw -o package -DskipTests
#   ./mvnw -o package -Dnative -DskipTests -Dquarkus.native.graalvm-home="$(../shared/tools/native-image/install.sh)" \
#          -Dquarkus.package.jar.enabled=true
# (or copy a native target/keap-gateway-*-runner aside and pass it as NATIVE=...).
# It starts, all on 127.0.0.1: InstantUpstream.java (answers 200 at once, standing in for Keap), then each
# gateway RUNS times in turn, in the prod profile against the local Redis under a prefix of its own (deleted
# at the end), with an api-key connection from the environment and one key created on the first run.
#
# Usage:   src/test/bench/native-vs-jvm.sh
# Settings (environment): NATIVE (target/keap-gateway-0.1.0-SNAPSHOT-runner), RUNS (3), LOAD (2000 requests),
#          CONCURRENCY (16), JAVA (java)
# Needs:   java 17, curl, redis-cli, xargs, awk; the local Redis on 6379.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
NATIVE=${NATIVE:-$ROOT/target/keap-gateway-0.1.0-SNAPSHOT-runner}
APP="$ROOT/target/quarkus-app"
RUNS=${RUNS:-3}
LOAD=${LOAD:-2000}
CONCURRENCY=${CONCURRENCY:-16}
JAVA=${JAVA:-java}
PREFIX="kgw-bench-startup-$$:"
ADMIN_TOKEN="bench-admin-token-0123456789"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/native-vs-jvm.XXXXXX")
PIDS=()

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    redis-cli --scan --pattern "${PREFIX}*" | xargs -r redis-cli del >/dev/null
    redis-cli --scan --pattern "{${PREFIX}*" | xargs -r redis-cli del >/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

[ -f "$APP/quarkus-run.jar" ] || { echo "no $APP/quarkus-run.jar: ./mvnw -o package -DskipTests" >&2; exit 1; }
if [ ! -x "$NATIVE" ]; then
    echo "no native executable at $NATIVE (set NATIVE=...): measuring the JVM only" >&2
    NATIVE=""
fi

free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
    done
}

UPSTREAM_PORT=$(free_port)
"$JAVA" -cp "$APP/lib/main/*" "$ROOT/src/test/bench/InstantUpstream.java" "$UPSTREAM_PORT" >"$WORK/upstream.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 300); do curl -s -o /dev/null "http://127.0.0.1:$UPSTREAM_PORT/" && break; sleep 0.1; done

rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

# Starts one gateway ($@ is its command), prints "<ms to first proxied 200> <RSS idle MB> <RSS after load MB>".
KEY=""
measure() {
    local port mport pid start now status
    port=$(free_port); mport=$(free_port)
    start=$(date +%s%N)
    env KEAP_GATEWAY_ADMIN_TOKEN="$ADMIN_TOKEN" KEAP_GATEWAY_ENCRYPTION_KEY="AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" \
        KEAP_GATEWAY_UPSTREAM_URL="http://127.0.0.1:$UPSTREAM_PORT" KEAP_GATEWAY_API_KEY="bench-service-account-key" \
        KEAP_GATEWAY_REDIS_PREFIX="$PREFIX" KEAP_GATEWAY_LIMITS_KEY_RATE=100000 KEAP_GATEWAY_LIMITS_KEY_BURST=100000 \
        KEAP_GATEWAY_LIMITS_CONNECTION_RATE=100000 KEAP_GATEWAY_LIMITS_CONNECTION_BURST=100000 \
        KEAP_GATEWAY_LIMITS_CONNECTION_DAILY=100000000 QUARKUS_LOG_CATEGORY__IO_KEAPGATEWAY_ACCESS__LEVEL=WARN \
        QUARKUS_HTTP_PORT="$port" QUARKUS_MANAGEMENT_PORT="$mport" "$@" >"$WORK/gateway-$port.log" 2>&1 &
    pid=$!; PIDS+=($pid)
    if [ -z "$KEY" ]; then # first run: wait until it is up, then create the key all runs use
        until curl -sf -o /dev/null "http://127.0.0.1:$mport/q/health/ready"; do sleep 0.05; done
        KEY=$(curl -sf -X POST "http://127.0.0.1:$port/admin/keys" -H "Authorization: Bearer $ADMIN_TOKEN" \
            -H 'Content-Type: application/json' -d '{"name":"bench"}' | sed -E 's/.*"key":"([^"]+)".*/\1/')
    fi
    while :; do
        status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" \
            "http://127.0.0.1:$port/crm/rest/v1/contacts" || true)
        [ "$status" = 200 ] && break
        kill -0 "$pid" 2>/dev/null || { echo "gateway exited: $(tail -5 "$WORK/gateway-$port.log")" >&2; exit 1; }
        sleep 0.005
    done
    now=$(date +%s%N)
    sleep 3
    local idle; idle=$(rss_mb "$pid")
    seq 1 "$LOAD" | xargs -P "$CONCURRENCY" -I{} curl -s -o /dev/null -H "Authorization: Bearer $KEY" \
        "http://127.0.0.1:$port/crm/rest/v1/contacts?n={}"
    local loaded; loaded=$(rss_mb "$pid")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    echo "$(( (now - start) / 1000000 )) $idle $loaded"
}

JVM_CMD=("$JAVA" -XX:MaxRAMPercentage=75 -jar "$APP/quarkus-run.jar")
NATIVE_CMD=("${NATIVE:-none}")
for run in $(seq 1 "$RUNS"); do
    echo "jvm    run $run: $(measure "${JVM_CMD[@]}") (ms to first proxied 200, RSS MB idle, RSS MB after $LOAD requests)"
    [ -z "$NATIVE" ] || echo "native run $run: $(measure "${NATIVE_CMD[@]}")"
done
[ -z "$NATIVE" ] || echo "native executable: $(du -m "$NATIVE" | cut -f1) MB"
echo "JVM application (target/quarkus-app): $(du -sm "$APP" | cut -f1) MB"
