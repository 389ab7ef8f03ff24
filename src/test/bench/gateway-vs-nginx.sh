#!/usr/bin/env bash
# The gateway next to nginx, measured side by side (issue 13, docs/benchmarks.md).
#
# Usage:   src/test/bench/gateway-vs-nginx.sh
# Settings (environment, defaults in brackets):
#   ROUNDS [3]       measured rounds; each round runs every target and scenario once, interleaved
#   ROUND [10s]      length of one wrk run (wrk's -d)
#   WARMUP [2]       unmeasured rounds first, of the gateways only (the JIT needs tens of seconds of load)
#   CONNECTIONS [32] connections of the loaded runs; FEW [2] those of the latency run
#   THREADS [2]      wrk threads
#   NATIVE [target/*-runner when one exists]  the native executable; NATIVE=none skips it
#   JAVA [java], JAVA_OPTS [-Xmx384m]  how the JVM gateway runs (384m: 75% of the JVM pod's 512 MiB)
#   KEEP_WORK [unset] set to 1 to keep the temporary directory (configs, logs, raw wrk output)
#   JFR [unset]      set to 1 to record each JVM gateway with Java Flight Recorder (settings=profile) into the
#                    kept temporary directory, and print each recording's hottest frames at the end
#
# It builds target/quarkus-app with `./mvnw -B -q package -DskipTests` when it is missing; after changing the
# code, package again yourself. It installs wrk, nginx and redis-server from Debian's packages when they are
# missing (apt-get, as root). Then, all on 127.0.0.1, on free ports, under one temporary directory:
#   - upstream: nginx (one worker) standing in for Keap: GET /crm/rest/v1/contacts answers 1.1 KB of JSON,
#     POST there answers a small JSON body, GET /crm/rest/v1/files/1mib.bin a 1 MiB file (sendfile);
#   - a private redis-server (so that CONFIG RESETSTAT and INFO commandstats count the gateways alone);
#   - the gateway (target/quarkus-app/quarkus-run.jar, and the native executable when there is one) in the
#     prod profile, api-key mode, Redis store: once with limits off, once with limits on (key and connection
#     limits far above the load: the limiter runs on every request and denies none);
#   - nginx as the reference proxy (worker_processes auto): it checks the same gateway keys (a map of the
#     Authorization header, 401 otherwise), drops the client's Authorization, injects the same X-Keap-API-Key
#     as the gateway, keeps a keep-alive pool to the upstream, and limits the flood key with limit_req.
# Access logs are off on both proxies. Two keys: "honest" (limits far above the load) and "flood" (1 request a
# second, burst 1). Scenarios, each run against direct (wrk straight at the upstream), nginx and each gateway:
#   get      small GET, CONNECTIONS connections;  get-few  the same with FEW connections (its p50 and p99);
#   post     2 KB JSON POST;  mib  1 MiB GET;
#   flood    the flood key, CONNECTIONS connections, nearly all denied (limits-on gateways and nginx);
#   flood+honest  the flood again, with the honest key at FEW connections beside it (its p99 during a flood).
# Per run: req/s; p50, p99, p99.9 (from a wrk Lua done()); CPU of the proxy (and of Redis) from /proc utime +
# stime, per request; Redis commands per request (CONFIG RESETSTAT before, INFO commandstats after: the
# script calls, and all commands, which counts the commands a script runs inside it and the idle gateways'
# background polling); the highest RSS seen while loaded. Per process: milliseconds from exec to the first
# proxied 200, RSS idle just after. It prints one Markdown table for docs/benchmarks.md, the machine, and warnings.
# Everything it started is stopped at the end.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
ROUND=${ROUND:-10s}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-32}
FEW=${FEW:-2}
THREADS=${THREADS:-2}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:--Xmx384m}
ADMIN_TOKEN="bench-admin-token-0123456789"
KEAP_KEY="KeapAK-bench-not-a-real-key-0000" # what both proxies inject; the fake upstream ignores it
POST_BYTES=2048

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
APP="$ROOT/target/quarkus-app"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gateway-vs-nginx.XXXXXX")
PIDS=()

say() { echo "gateway-vs-nginx: $*" >&2; }
fail() {
    say "$*"
    say "logs: $WORK"
    KEEP_WORK=1
    exit 1
}
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ -z "${KEEP_WORK:-}" ]; then rm -rf "$WORK"; else say "kept $WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools ----------------------------------------------------------------------------------------------
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || fail "missing ${missing[*]}: apt-get install -y ${missing[*]} (as root)"
    say "installing ${missing[*]} from Debian's packages"
    apt-get update -qq >"$WORK/apt.log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
        >>"$WORK/apt.log" 2>&1 || fail "apt-get install ${missing[*]} failed (see $WORK/apt.log)"
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
command -v "$JAVA" >/dev/null || fail "$JAVA is missing (Java 17)"
if [ ! -f "$APP/quarkus-run.jar" ]; then
    say "no $APP/quarkus-run.jar: building it (./mvnw -B -q package -DskipTests)"
    (cd "$ROOT" && ./mvnw -B -q package -DskipTests) >"$WORK/build.log" 2>&1 || fail "the build failed"
fi
if [ -z "${NATIVE:-}" ]; then
    NATIVE=$(ls "$ROOT"/target/*-runner 2>/dev/null | head -1 || true)
fi
[ "$NATIVE" != none ] || NATIVE=""
[ -z "$NATIVE" ] || [ -x "$NATIVE" ] || fail "NATIVE=$NATIVE is not an executable"

# --- helpers --------------------------------------------------------------------------------------------
free_port() { # a port nothing listens on, not handed out before in this run
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        grep -qx "$port" "$WORK/ports" 2>/dev/null && continue
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port" >>"$WORK/ports"
            echo "$port"
            return
        fi
    done
}
await() { # $1 seconds, then a command: retried until it succeeds
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}
TICK=$(getconf CLK_TCK)
family() { # pid and its children (nginx's master and workers)
    echo "$1"
    awk -v parent="$1" '$4 == parent {print $1}' /proc/[0-9]*/stat 2>/dev/null || true
}
cpu_of() { # CPU seconds (user + system) of a pid and its children
    local pid total=0
    for pid in $(family "$1"); do
        total=$(awk -v t="$total" -v tick="$TICK" '{print t + ($14 + $15) / tick}' "/proc/$pid/stat" 2>/dev/null ||
            echo "$total")
    done
    echo "$total"
}
rss_kb() { # resident memory of a pid and its children
    local pid total=0
    for pid in $(family "$1"); do
        total=$((total + $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)))
    done
    echo "$total"
}
status_of() { # $1 url, $2 key: the HTTP status
    curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $2" "$1" || true
}

# --- upstream (nginx with fixed answers) ----------------------------------------------------------------
mkdir -p "$WORK/www/crm/rest/v1/files" "$WORK/tmp"
head -c 1048576 /dev/urandom >"$WORK/www/crm/rest/v1/files/1mib.bin"
CONTACTS=$(awk 'BEGIN {
    printf "{\"contacts\":["
    for (i = 1; i <= 6; i++) printf "%s{\"id\":%d,\"given_name\":\"Bench%d\",\"family_name\":\"Contact\",\"email_addresses\":[{\"email\":\"bench%d@example.com\",\"field\":\"EMAIL1\"}],\"phone_numbers\":[],\"tag_ids\":[1,2,3]}", (i > 1 ? "," : ""), i, i, i
    printf "],\"count\":6,\"next\":\"https://api.infusionsoft.com/crm/rest/v1/contacts/?limit=6&offset=6\"}"
}')
[ "${#CONTACTS}" -gt 1000 ] || fail "the contacts answer is only ${#CONTACTS} bytes"
# What both nginx instances share: no root paths (temp dirs and logs under $WORK), many requests per
# connection (nginx closes a keep-alive connection after 1,000 by default; wrk and the gateway would reconnect).
nginx_common() {
    cat <<EOF
daemon off;
pid $WORK/$1.pid;
error_log $WORK/$1-error.log warn;
$([ "$(id -u)" = 0 ] && echo "user $(id -un) $(id -gn);")
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $WORK/tmp/$1-body;
    proxy_temp_path $WORK/tmp/$1-proxy;
    fastcgi_temp_path $WORK/tmp/$1-fastcgi;
    uwsgi_temp_path $WORK/tmp/$1-uwsgi;
    scgi_temp_path $WORK/tmp/$1-scgi;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    server_tokens off;
EOF
}
UPSTREAM_PORT=$(free_port)
{
    echo "worker_processes 1;"
    nginx_common upstream
    cat <<EOF
    sendfile on;
    tcp_nopush on;
    types { application/octet-stream bin; }
    default_type application/json;
    server {
        listen 127.0.0.1:$UPSTREAM_PORT;
        root $WORK/www;
        location = /crm/rest/v1/contacts {
            if (\$request_method = POST) { return 200 '{"id":7,"given_name":"Posted"}'; }
            return 200 '$CONTACTS';
        }
    }
}
EOF
} >"$WORK/upstream.conf"
"$NGINX" -p "$WORK" -e "$WORK/upstream-error.log" -c "$WORK/upstream.conf" >"$WORK/upstream.out" 2>&1 &
UPSTREAM_PID=$!
PIDS+=("$UPSTREAM_PID")
UPSTREAM="http://127.0.0.1:$UPSTREAM_PORT"
await 10 curl -sf "$UPSTREAM/crm/rest/v1/contacts" || fail "the upstream nginx did not start: $(cat "$WORK/upstream.out")"

# --- Redis ----------------------------------------------------------------------------------------------
REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" \
    >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
redis() { redis-cli -p "$REDIS_PORT" "$@"; }
await 10 redis ping || fail "redis-server did not start"

# --- gateways -------------------------------------------------------------------------------------------
# start_gateway NAME LIMITS(true|false) COMMAND...: started in the background; sets GW_PID, GW_URL, GW_START.
start_gateway() {
    local name=$1 limits=$2 port management
    shift 2
    port=$(free_port)
    management=$(free_port)
    GW_START=$(date +%s%N)
    env KEAP_GATEWAY_ADMIN_TOKEN="$ADMIN_TOKEN" \
        KEAP_GATEWAY_ENCRYPTION_KEY="AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" \
        KEAP_GATEWAY_UPSTREAM_URL="$UPSTREAM" \
        KEAP_GATEWAY_API_KEY="$KEAP_KEY" \
        KEAP_GATEWAY_REDIS_PREFIX="kgw-bench:" \
        QUARKUS_REDIS_HOSTS="redis://127.0.0.1:$REDIS_PORT" \
        KEAP_GATEWAY_LIMITS_ENABLED="$limits" \
        KEAP_GATEWAY_LIMITS_CONNECTION_RATE=1000000 \
        KEAP_GATEWAY_LIMITS_CONNECTION_BURST=1000000 \
        KEAP_GATEWAY_LIMITS_CONNECTION_DAILY=1000000000000 \
        QUARKUS_LOG_CATEGORY__IO_KEAPGATEWAY_ACCESS__LEVEL=WARN \
        QUARKUS_SHUTDOWN_DELAY_ENABLED=false \
        QUARKUS_HTTP_PORT="$port" QUARKUS_MANAGEMENT_PORT="$management" \
        "$@" >"$WORK/$name.log" 2>&1 &
    GW_PID=$!
    PIDS+=("$GW_PID")
    GW_URL="http://127.0.0.1:$port"
    GW_MANAGEMENT="http://127.0.0.1:$management"
}
JVM_CMD=("$JAVA" $JAVA_OPTS -jar "$APP/quarkus-run.jar")
# jvm_cmd NAME: JVM_CMD, with a flight recording of its own into $WORK/NAME.jfr when JFR=1.
jvm_cmd() {
    JVM=("$JAVA" $JAVA_OPTS)
    [ "${JFR:-}" != 1 ] || JVM+=("-XX:StartFlightRecording=filename=$WORK/$1.jfr,settings=profile,dumponexit=true")
    JVM+=(-jar "$APP/quarkus-run.jar")
}
[ "${JFR:-}" != 1 ] || KEEP_WORK=1

# The keys live in the shared store: a first gateway issues them, then stops, so that every measured one
# starts with them in place and its time to the first proxied 200 can be taken.
start_gateway bootstrap true "${JVM_CMD[@]}"
await 180 curl -sf "$GW_MANAGEMENT/q/health/ready" || fail "the gateway did not start (see $WORK/bootstrap.log)"
issue_key() { # $1 name, $2 rate JSON
    curl -sf -H "Authorization: Bearer $ADMIN_TOKEN" -H "Content-Type: application/json" \
        -d "{\"name\":\"$1\",\"rate\":$2,\"max_concurrent\":10000}" "$GW_URL/admin/keys" |
        sed -n 's/.*"key":"\(kgw_[^"]*\)".*/\1/p'
}
HONEST=$(issue_key honest '{"per_second":100000,"burst":1000000}')
FLOOD=$(issue_key flood '{"per_second":1,"burst":1}')
[ -n "$HONEST" ] && [ -n "$FLOOD" ] || fail "could not issue the keys"
kill "$GW_PID"
wait "$GW_PID" 2>/dev/null || true

TARGETS=(direct nginx)
declare -A URL PID LIMITED STARTUP_MS IDLE_KB
URL[direct]=$UPSTREAM
PID[direct]=$UPSTREAM_PID
# Starts one gateway and times exec to its first proxied 200 (polled every 5 ms).
measured_start() { # NAME LIMITS COMMAND...
    local name=$1 limits=$2
    start_gateway "$@"
    while [ "$(status_of "$GW_URL/crm/rest/v1/contacts" "$HONEST")" != 200 ]; do
        kill -0 "$GW_PID" 2>/dev/null || fail "$name exited: $(tail -5 "$WORK/$name.log")"
        [ $(($(date +%s%N) - GW_START)) -lt 180000000000 ] || fail "$name gave no 200 in 180 s"
        sleep 0.005
    done
    STARTUP_MS[$name]=$((($(date +%s%N) - GW_START) / 1000000))
    sleep 1
    IDLE_KB[$name]=$(rss_kb "$GW_PID")
    URL[$name]=$GW_URL
    PID[$name]=$GW_PID
    LIMITED[$name]=$limits
    TARGETS+=("$name")
    say "$name: first proxied 200 after ${STARTUP_MS[$name]} ms, RSS $((IDLE_KB[$name] / 1024)) MB"
}
jvm_cmd jvm-off
measured_start jvm-off false "${JVM[@]}"
jvm_cmd jvm-on
measured_start jvm-on true "${JVM[@]}"
if [ -n "$NATIVE" ]; then
    measured_start native-off false "$NATIVE"
    measured_start native-on true "$NATIVE"
fi

# --- the reference proxy (nginx) ------------------------------------------------------------------------
NGINX_PORT=$(free_port)
{
    echo "worker_processes auto;"
    nginx_common proxy
    cat <<EOF
    map_hash_bucket_size 256; # the keys are longer than the default bucket
    map \$http_authorization \$kgw_key {
        "Bearer $HONEST" honest;
        "Bearer $FLOOD" flood;
        default "";
    }
    map \$kgw_key \$kgw_flood { flood flood; default ""; }
    limit_req_zone \$kgw_flood zone=flood:1m rate=1r/s;
    upstream keap {
        server 127.0.0.1:$UPSTREAM_PORT;
        keepalive 64;
    }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location /crm/ {
            if (\$kgw_key = "") { return 401 '{"error":"invalid key"}'; }
            limit_req zone=flood; # no burst: one request a second, as the key's bucket of 1
            limit_req_status 429;
            proxy_pass http://keap;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Authorization "";
            proxy_set_header X-Keap-API-Key "$KEAP_KEY";
            # Streams a large answer through memory, never through a temporary file, like the gateway.
            proxy_buffer_size 64k;
            proxy_buffers 16 64k;
            proxy_max_temp_file_size 0;
        }
    }
}
EOF
} >"$WORK/proxy.conf"
"$NGINX" -p "$WORK" -e "$WORK/proxy-error.log" -c "$WORK/proxy.conf" >"$WORK/proxy.out" 2>&1 &
PID[nginx]=$!
PIDS+=("${PID[nginx]}")
URL[nginx]="http://127.0.0.1:$NGINX_PORT"
await 10 curl -sf -H "Authorization: Bearer $HONEST" "${URL[nginx]}/crm/rest/v1/contacts" ||
    fail "the proxy nginx did not start: $(cat "$WORK/proxy.out")"

# Every proxy must forward the honest key, refuse no key, and deny the flood key once its burst is spent.
for target in "${TARGETS[@]}"; do
    [ "$target" = direct ] && continue
    [ "$(status_of "${URL[$target]}/crm/rest/v1/files/1mib.bin" "$HONEST")" = 200 ] || fail "$target: no 1 MiB GET"
    [ "$(status_of "${URL[$target]}/crm/rest/v1/contacts" "kgw_not_a_key")" = 401 ] || fail "$target: a bad key passed"
    if [ "$target" = nginx ] || [ "${LIMITED[$target]}" = true ]; then
        status_of "${URL[$target]}/crm/rest/v1/contacts" "$FLOOD" >/dev/null
        status_of "${URL[$target]}/crm/rest/v1/contacts" "$FLOOD" >/dev/null
        [ "$(status_of "${URL[$target]}/crm/rest/v1/contacts" "$FLOOD")" = 429 ] || fail "$target: the flood key passed"
    fi
done

# --- wrk ------------------------------------------------------------------------------------------------
# One Lua script for every run: the POST body when asked, and a done() that prints one line with what
# --latency does not (p99.9) in microseconds.
cat >"$WORK/bench.lua" <<'EOF'
local body_bytes = tonumber(os.getenv("KGW_BODY_BYTES") or "0")
if body_bytes > 0 then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.body = '{"pad":"' .. string.rep("x", body_bytes - 10) .. '"}'
end
function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("KGW requests=%d duration_us=%d non2xx=%d socket_errors=%d " ..
        "p50_us=%d p99_us=%d p999_us=%d max_us=%d\n", summary.requests, summary.duration, e.status,
        e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99),
        latency:percentile(99.9), latency.max))
end
EOF
wrk_run() { # URL PATH KEY CONNECTIONS BODY_BYTES OUTPUT
    local threads=$THREADS
    [ "$4" -ge "$threads" ] || threads=$4
    KGW_BODY_BYTES=$5 wrk -t"$threads" -c"$4" -d"$ROUND" --timeout 10s --latency -s "$WORK/bench.lua" \
        -H "Authorization: Bearer $3" "$1$2" >"$6" 2>&1
}
field() { # FILE NAME: a value from the KGW line
    sed -n "s/^KGW .*\b$2=\([0-9]*\).*/\1/p" "$1"
}
CONTACTS_PATH=/crm/rest/v1/contacts
MIB_PATH=/crm/rest/v1/files/1mib.bin

# run TARGET SCENARIO ROUND_LABEL: one wrk run (two for flood+honest), one line in results.tsv.
RESULTS="$WORK/results.tsv"
run() {
    local target=$1 scenario=$2 label=$3 url=${URL[$1]} out="$WORK/runs/$1.$2.$3"
    local pid=${PID[$1]} cpu0 redis0 sampler
    mkdir -p "$WORK/runs"
    redis config resetstat >/dev/null
    cpu0=$(cpu_of "$pid")
    redis0=$(cpu_of "$REDIS_PID")
    (
        max=0
        while :; do
            now=$(rss_kb "$pid")
            [ "$now" -le "$max" ] || { max=$now; echo "$max" >"$out.rss"; }
            sleep 0.5
        done
    ) &
    sampler=$!
    case $scenario in
    get) wrk_run "$url" "$CONTACTS_PATH" "$HONEST" "$CONNECTIONS" 0 "$out" ;;
    get-few) wrk_run "$url" "$CONTACTS_PATH" "$HONEST" "$FEW" 0 "$out" ;;
    post) wrk_run "$url" "$CONTACTS_PATH" "$HONEST" "$CONNECTIONS" "$POST_BYTES" "$out" ;;
    mib) wrk_run "$url" "$MIB_PATH" "$HONEST" "$CONNECTIONS" 0 "$out" ;;
    flood) wrk_run "$url" "$CONTACTS_PATH" "$FLOOD" "$CONNECTIONS" 0 "$out" ;;
    flood+honest)
        wrk_run "$url" "$CONTACTS_PATH" "$FLOOD" "$CONNECTIONS" 0 "$out" &
        local flood=$!
        wrk_run "$url" "$CONTACTS_PATH" "$HONEST" "$FEW" 0 "$out.honest"
        wait "$flood"
        ;;
    esac
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    local cpu redis_cpu scripts all
    cpu=$(awk -v a="$(cpu_of "$pid")" -v b="$cpu0" 'BEGIN {print a - b}')
    redis_cpu=$(awk -v a="$(cpu_of "$REDIS_PID")" -v b="$redis0" 'BEGIN {print a - b}')
    redis info commandstats | tr -d '\r' >"$out.commandstats"
    # cmdstat_evalsha:calls=N,usec=...: the benchmark's own CONFIG and INFO left out.
    scripts=$(awk -F'[_:,=]' '/^cmdstat_(eval|evalsha):/ {n += $4} END {print n + 0}' "$out.commandstats")
    all=$(awk -F'[_:,=]' '/^cmdstat_/ && $2 !~ /^(config|info)/ {n += $4} END {print n + 0}' "$out.commandstats")
    [ -n "$(field "$out" requests)" ] || fail "wrk gave no result for $target $scenario: $(tail -3 "$out")"
    local honest_p99=""
    [ "$scenario" != flood+honest ] || honest_p99=$(field "$out.honest" p99_us)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$scenario" "$label" \
        "$(field "$out" requests)" "$(field "$out" duration_us)" "$(field "$out" non2xx)" \
        "$(field "$out" socket_errors)" "$(field "$out" p50_us)" "$(field "$out" p99_us)" \
        "$(field "$out" p999_us)" "$cpu" "$redis_cpu" "$scripts" "$all" "$(cat "$out.rss" 2>/dev/null || echo 0)" \
        "${honest_p99:-}" >>"$RESULTS"
    awk -F'\t' 'END {printf "gateway-vs-nginx: %-5s %-10s %-12s %9.0f req/s  p99 %6.2f ms  non-2xx %d\n",
        $3, $1, $2, $4 / $5 * 1e6, $9 / 1000, $6}' "$RESULTS" >&2
}
scenarios_of() { # the scenarios a target runs
    case $1 in
    direct) echo get get-few post mib ;;
    nginx) echo get get-few post mib flood flood+honest ;;
    *) if [ "${LIMITED[$1]}" = true ]; then echo get get-few post mib flood flood+honest; else
        echo get get-few post mib; fi ;;
    esac
}
: >"$RESULTS"
for round in $(seq "$WARMUP"); do
    for target in "${TARGETS[@]}"; do
        case $target in direct | nginx) continue ;; esac
        for scenario in $(scenarios_of "$target"); do run "$target" "$scenario" "warm$round"; done
    done
done
# Interleaved: scenario by scenario, every target in turn, so that noise from the rest of the machine falls
# on all of them alike.
for round in $(seq "$ROUNDS"); do
    for scenario in get get-few post mib flood flood+honest; do
        for target in "${TARGETS[@]}"; do
            case " $(scenarios_of "$target") " in *" $scenario "*) run "$target" "$scenario" "$round" ;; esac
        done
    done
done

# --- report ---------------------------------------------------------------------------------------------
# Measured rounds only, summed per target and scenario: req/s = all requests / all rounds' time; latencies
# are the mean of the rounds' percentiles; CPU and Redis per request = their totals / requests.
awk -F'\t' '$3 !~ /^warm/ {
    k = $1 "\t" $2; n[k]++; req[k] += $4; us[k] += $5; non2xx[k] += $6; sock[k] += $7
    p50[k] += $8; p99[k] += $9; p999[k] += $10; cpu[k] += $11; rcpu[k] += $12; scripts[k] += $13; all[k] += $14
    if ($15 > rss[k]) rss[k] = $15
    hp99[k] += $16
} END {
    for (k in n) printf "%s\t%.1f\t%d\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.4f\t%.4f\t%.3f\t%.3f\t%d\t%.3f\n", k,
        req[k] / us[k] * 1e6, req[k], non2xx[k], sock[k], p50[k] / n[k] / 1000, p99[k] / n[k] / 1000,
        p999[k] / n[k] / 1000, cpu[k] * 1000 / req[k], rcpu[k] * 1000 / req[k], scripts[k] / req[k],
        all[k] / req[k], rss[k] / 1024, hp99[k] / n[k] / 1000
}' "$RESULTS" >"$WORK/summary.tsv"
# get TARGET SCENARIO COLUMN: one value of summary.tsv. Columns: 2 req/s, 3 requests, 4 non-2xx, 5 socket
# errors, 6 p50, 7 p99, 8 p99.9 (ms), 9 CPU ms/request, 10 Redis CPU ms/request, 11 script calls/request,
# 12 Redis commands/request, 13 highest RSS (MB), 14 the honest key's p99 during the flood (ms).
get() {
    awk -F'\t' -v t="$1" -v s="$2" -v c="$(($3 + 1))" '$1 == t && $2 == s {print $c}' "$WORK/summary.tsv"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "" || b == "" || b == 0) print "–"; else printf "%.2f", a / b}'; }
ms() { awk -v v="$1" 'BEGIN {if (v == "") print "–"; else printf "%.2f ms", v}'; }
num() { awk -v v="$1" -v f="$2" 'BEGIN {if (v == "") print "–"; else printf f, v}'; }
label_of() {
    case $1 in
    direct) echo "direct (no proxy)" ;;
    nginx) echo "nginx $("$NGINX" -v 2>&1 | sed 's|.*nginx/||')" ;;
    jvm-off) echo "gateway JVM, limits off" ;;
    jvm-on) echo "gateway JVM, Redis limits on" ;;
    native-off) echo "gateway native, limits off" ;;
    native-on) echo "gateway native, Redis limits on" ;;
    esac
}
WARNINGS=()
{
    printf '| request | target | req/s | × nginx | p50 | p99 | p99.9 | CPU/request | × nginx | Redis CPU/request |'
    printf ' (proxy + Redis) × nginx | Redis scripts / all commands per request | p50 at %s conn. | RSS loaded | exec to first 200 |\n' "$FEW"
    printf '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
    for scenario in get post mib flood; do
        case $scenario in
        get) what="small GET (1.1 KB)" ;;
        post) what="2 KB POST" ;;
        mib) what="1 MiB GET" ;;
        flood) what="flood, denied (429/s)" ;;
        esac
        nginx_rps=$(get nginx "$scenario" 2)
        nginx_cpu=$(get nginx "$scenario" 9)
        for target in "${TARGETS[@]}"; do
            rps=$(get "$target" "$scenario" 2)
            [ -n "$rps" ] || continue
            cpu=$(get "$target" "$scenario" 9)
            rcpu=$(get "$target" "$scenario" 10)
            non2xx=$(get "$target" "$scenario" 4)
            sock=$(get "$target" "$scenario" 5)
            requests=$(get "$target" "$scenario" 3)
            if [ "$scenario" = flood ]; then
                # Its rate is that of the denied answers; the few it let through are left out of it.
                rps=$(awk -v r="$rps" -v n="$non2xx" -v q="$requests" 'BEGIN {printf "%.1f", r * n / q}')
                nginx_rps=$(awk -v r="$(get nginx flood 2)" -v n="$(get nginx flood 4)" -v q="$(get nginx flood 3)" \
                    'BEGIN {printf "%.1f", r * n / q}')
            elif [ "$non2xx" != 0 ]; then
                WARNINGS+=("$target $scenario: $non2xx of $requests answers were not 2xx")
            fi
            [ "$sock" = 0 ] || WARNINGS+=("$target $scenario: $sock socket errors or timeouts")
            redis_cols="–"
            both="–"
            scripts="–"
            case $target in
            jvm-* | native-*)
                redis_cols=$(ms "$rcpu")
                both=$(ratio "$(awk -v a="$cpu" -v b="$rcpu" 'BEGIN {print a + b}')" "$nginx_cpu")
                scripts="$(num "$(get "$target" "$scenario" 11)" %.3f) / $(num "$(get "$target" "$scenario" 12)" %.2f)"
                ;;
            esac
            few="–"
            [ "$scenario" != get ] || few=$(ms "$(get "$target" get-few 6)")
            startup="–"
            [ -z "${STARTUP_MS[$target]:-}" ] || [ "$scenario" != get ] || startup="${STARTUP_MS[$target]} ms"
            printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s MB | %s |\n' \
                "$what" "$(label_of "$target")" "$(num "$rps" %.0f)" "$(ratio "$rps" "$nginx_rps")" \
                "$(ms "$(get "$target" "$scenario" 6)")" "$(ms "$(get "$target" "$scenario" 7)")" \
                "$(ms "$(get "$target" "$scenario" 8)")" "$(ms "$cpu")" "$(ratio "$cpu" "$nginx_cpu")" \
                "$redis_cols" "$both" "$scripts" "$few" "$(get "$target" "$scenario" 13)" "$startup"
        done
    done
} >"$WORK/table.md"

{
    echo
    echo "Keap Gateway vs nginx: wrk -t$THREADS, $CONNECTIONS connections ($FEW for \"p50 at $FEW\"), $ROUNDS interleaved"
    echo "rounds of $ROUND each (after $WARMUP unmeasured rounds of the gateways); $(date -u +%Y-%m-%d), gateway at" \
        "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "an unknown commit")"
    echo
    cat "$WORK/table.md"
    echo
    for target in "${TARGETS[@]}"; do
        alone=$(get "$target" get-few 7)
        during=$(get "$target" flood+honest 14)
        [ -n "$during" ] || continue
        echo "- $(label_of "$target"): the honest key's p99 at $FEW connections $(ms "$alone") alone, $(ms "$during")" \
            "during the flood ($(ratio "$during" "$alone")×); the flood's Redis script calls per denied request:" \
            "$(num "$(get "$target" flood 11)" %.3f)"
    done
    for target in "${TARGETS[@]}"; do
        [ -z "${IDLE_KB[$target]:-}" ] || echo "- $(label_of "$target"): RSS $((IDLE_KB[$target] / 1024)) MB idle" \
            "(1 s after its first proxied 200)"
    done
    [ -z "$NATIVE" ] || echo "- native executable: $(du -m "$NATIVE" | cut -f1) MB; JVM application: $(du -sm "$APP" | cut -f1) MB"
    echo "- machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
        "load average before the start $LOAD_BEFORE; $("$JAVA" -version 2>&1 | head -1); $(wrk -v 2>&1 | head -1 |
            cut -d' ' -f1-2); $(redis-server --version | cut -d' ' -f1-3)"
    echo "- CPU/request: user + system time of the proxy's processes (nginx: master and workers; direct: the"
    echo "  upstream nginx) over its requests; Redis separately. All commands per request include those run inside"
    echo "  a script and the background polling of the gateways not under load."
    for warning in "${WARNINGS[@]}"; do echo "- warning: $warning"; done
} | tee "$WORK/report.md"

# The hottest frames of each recording (JFR=1): the top frame of every execution sample, counted. The JVM
# gateways write their recordings when they stop, so they are stopped here first.
if [ "${JFR:-}" = 1 ]; then
    for target in jvm-off jvm-on; do kill "${PID[$target]}" 2>/dev/null && wait "${PID[$target]}" 2>/dev/null || true; done
    JFR_TOOL=$(dirname "$(readlink -f "$(command -v "$JAVA")")")/jfr
    for recording in "$WORK"/jvm-*.jfr; do
        echo
        echo "Hottest frames of $(basename "$recording" .jfr) (top of stack, share of execution samples):"
        "$JFR_TOOL" print --events jdk.ExecutionSample "$recording" |
            awk '/stackTrace = \[/ { getline; sub(/^[ \t]+/, ""); sub(/[ \t]+line:.*/, ""); top[$0]++; n++ }
                 END { for (f in top) printf "%6.2f%%  %s\n", 100 * top[f] / n, f }' | sort -rn | head -25
    done | tee -a "$WORK/report.md"
fi
