package io.keapgateway.ratelimit;

import io.keapgateway.error.ErrorCode;
import io.keapgateway.ratelimit.KeapState.KeapReport;
import io.keapgateway.store.LuaScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.core.MultiMap;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Learns from Keap's responses. The latest {@code x-keap-*} report per connection is kept in memory and
 * written to Redis by {@link #flush()} at most once per {@link #WRITE_INTERVAL} per connection (not per
 * response: the budget is about one Redis command per proxied request). A 429 blocks the connection at
 * once, here and in Redis, so that no replica keeps spending.
 */
final class KeapObserver {

    static final Duration WRITE_INTERVAL = Duration.ofSeconds(1);
    /** Long enough for the admin view to show yesterday's last report; the gate itself ends at Keap's reset. */
    static final Duration REPORT_LIFETIME = Duration.ofDays(2);
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(1);

    private static final Logger LOG = Logger.getLogger(RateLimiter.class);
    private static final LuaScript BLOCK = LuaScript.fromResource("/io/keapgateway/ratelimit/block.lua");
    private static final LuaScript REPORT = LuaScript.fromResource("/io/keapgateway/ratelimit/report.lua");
    private static final String OBSERVED_AT = "observed_at";

    private final ReactiveRedisDataSource redis; // null: this replica is alone (memory store)
    private final LimitKeys keys;
    private final Clock clock;
    private final Backoff backoff;
    private final Map<String, KeapState> states = new ConcurrentHashMap<>();

    KeapObserver(ReactiveRedisDataSource redis, LimitKeys keys, Clock clock, Backoff backoff) {
        this.redis = redis;
        this.keys = keys;
        this.clock = clock;
        this.backoff = backoff;
    }

    /** Records one Keap response; completes when a 429's block has reached Redis (or failed to). */
    Uni<Void> observe(String connection, MultiMap headers, int status) {
        Instant now = clock.instant();
        Map<String, String> raw = KeapHeaders.extract(headers);
        Optional<KeapQuota> quota = KeapHeaders.parse(raw, now);
        KeapState state = states.computeIfAbsent(connection, name -> new KeapState());
        if (quota.isPresent()) {
            state.report(new KeapReport(raw, quota.get()));
        }
        if (status != 429) {
            state.calm();
            return Uni.createFrom().voidItem();
        }
        int attempt = state.throttled();
        Duration wait = quota.flatMap(q -> KeapGate.exhaustedFor(q, now)).orElseGet(() -> backoff.delay(attempt));
        state.blockUntil(now.plus(wait).toEpochMilli());
        LOG.debugf("Keap answered 429 on connection %s: no requests for %d ms", connection, wait.toMillis());
        return redis == null ? Uni.createFrom().voidItem() : shareBlock(connection, wait, null);
    }

    /** Writes the reports that changed since their last write, each at most once per interval. */
    Uni<Void> flush() {
        if (redis == null) {
            return Uni.createFrom().voidItem();
        }
        long now = clock.millis();
        List<Uni<Void>> writes = new ArrayList<>();
        for (Map.Entry<String, KeapState> entry : states.entrySet()) {
            KeapReport due = entry.getValue().takeIfDue(now, WRITE_INTERVAL.toMillis());
            if (due != null) {
                writes.add(shareReport(entry.getKey(), due, entry.getValue()));
            }
        }
        return writes.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(writes).andFailFast().replaceWithVoid();
    }

    /** A denial while this replica knows Keap blocked the connection (its own 429), before asking Redis. */
    Verdict blockedVerdict(String connection, long nowMillis) {
        KeapState state = states.get(connection);
        long wait = state == null ? 0 : state.blockedUntil() - nowMillis;
        if (wait <= 0) {
            return null;
        }
        KeapReport report = state.latest();
        Throttle throttle = report == null ? null : Throttle.of(report.quota());
        return throttle == null
                ? new Verdict(false, "keap", ErrorCode.RATE_LIMITED, wait, 0, RateLimitHeaders.secondsUp(wait), 0, wait)
                : new Verdict(false, "keap", ErrorCode.RATE_LIMITED, wait, throttle.quota(), throttle.seconds(), 0, wait);
    }

    /** The day-quota gate this replica last saw for the connection, for local decisions. */
    KeapGate gate(String connection) {
        KeapState state = states.get(connection);
        KeapReport report = state == null ? null : state.latest();
        return report == null ? null : KeapGate.of(report.quota()).orElse(null);
    }

    /** The report this replica last received. */
    Optional<KeapQuota> latest(String connection) {
        KeapState state = states.get(connection);
        KeapReport report = state == null ? null : state.latest();
        return report == null ? Optional.empty() : Optional.of(report.quota());
    }

    /** The report any replica last wrote to Redis. */
    Uni<Optional<KeapQuota>> shared(String connection) {
        return redis.hash(String.class).hgetall(keys.keapReport(connection)).map(fields -> {
            String observed = fields.get(OBSERVED_AT);
            if (observed == null) {
                return Optional.empty();
            }
            Map<String, String> raw = new HashMap<>(fields);
            raw.keySet().removeIf(name -> !name.startsWith(KeapHeaders.PREFIX));
            return KeapHeaders.parse(raw, Instant.ofEpochMilli(Long.parseLong(observed)));
        });
    }

    /**
     * Blocks the connection in Redis for {@code wait}, keeping any longer block.
     *
     * @param nowMillis null for Redis's clock (the one {@code limiter.lua} uses); a fixed time for tests
     */
    Uni<Void> shareBlock(String connection, Duration wait, Long nowMillis) {
        List<String> args = List.of(nowMillis == null ? "" : nowMillis.toString(), Long.toString(wait.toMillis()));
        return quietly(BLOCK.run(redis, List.of(keys.blocked(connection)), args), "block", null);
    }

    private Uni<Void> shareReport(String connection, KeapReport report, KeapState state) {
        List<String> args = new ArrayList<>();
        args.add(Long.toString(REPORT_LIFETIME.toMillis()));
        report.raw().forEach((name, value) -> {
            args.add(name);
            args.add(value);
        });
        add(args, OBSERVED_AT, report.quota().observedAt().toEpochMilli());
        KeapGate.of(report.quota()).ifPresent(gate -> {
            add(args, "gate_available", gate.available());
            add(args, "gate_limit", gate.limit());
            add(args, "gate_until", gate.untilMillis());
        });
        Throttle throttle = Throttle.of(report.quota());
        if (throttle != null) {
            add(args, "throttle_q", throttle.quota());
            add(args, "throttle_w", throttle.seconds());
        }
        return quietly(REPORT.run(redis, List.of(keys.keapReport(connection)), args), "report", state);
    }

    // A lost write must never fail a request: it is logged, and a report is retried at the next flush.
    private Uni<Void> quietly(Uni<?> write, String what, KeapState retry) {
        return write.ifNoItem().after(WRITE_TIMEOUT).fail()
                .onFailure().invoke(failure -> {
                    LOG.debugf("Could not share Keap's %s in Redis: %s", what, failure.toString());
                    if (retry != null) {
                        retry.markDirty();
                    }
                })
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    private static void add(List<String> args, String field, long value) {
        args.add(field);
        args.add(Long.toString(value));
    }

    /** Keap's short throttle window: the policy reported while Keap blocks the connection. */
    private record Throttle(long quota, long seconds) {
        static Throttle of(KeapQuota quota) {
            for (KeapQuota.Window window : quota.throttle()) {
                if (window.limit() != null && window.length() != null) {
                    return new Throttle(window.limit(), window.length().toSeconds());
                }
            }
            return null;
        }
    }
}
