package io.keapgateway.ratelimit;

import io.keapgateway.store.LuaScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Runs {@code limiter.lua}: one EVALSHA decides one request against all of its shared limits and reserves a
 * batch for the requests after it; and {@code settle.lua}, which hands back what a batch did not use.
 */
final class LimiterScript {

    private static final String SOURCE = resource("/io/keapgateway/ratelimit/limiter.lua");
    private static final LuaScript SCRIPT = new LuaScript(SOURCE);
    private static final LuaScript SETTLE = LuaScript.fromResource("/io/keapgateway/ratelimit/settle.lua");

    private final ReactiveRedisDataSource redis;
    private final LimitKeys keys;

    LimiterScript(ReactiveRedisDataSource redis, LimitKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    /** Decides one request and, when allowed, charges every bucket for it alone. */
    Uni<Verdict> decide(String connection, String keyId, EffectiveLimits limits, Long nowMillis) {
        return reserve(connection, keyId, limits, 1, nowMillis).map(Reservation::verdict);
    }

    /**
     * Decides one request and, when allowed, charges every bucket for up to {@code batch} requests.
     *
     * @param nowMillis null to use Redis's clock; a fixed epoch-ms time for tests
     */
    Uni<Reservation> reserve(String connection, String keyId, EffectiveLimits limits, int batch, Long nowMillis) {
        List<String> args = List.of(
                nowMillis == null ? "" : Long.toString(nowMillis),
                number(limits.keyRate()),
                Long.toString(limits.keyBurst()),
                Long.toString(limits.keyDaily()),
                number(limits.connectionRate()),
                Long.toString(limits.connectionBurst()),
                Long.toString(limits.connectionDaily()),
                limits.highPriority() ? "1" : "0",
                Integer.toString(batch));
        return SCRIPT.run(redis, keys.decision(connection, keyId), args).map(LimiterScript::reservation);
    }

    /**
     * Hands back {@code unused} requests of a batch counted on {@code day} and counts {@code denied} requests
     * this replica refused by itself.
     */
    Uni<Void> settle(String connection, String keyId, EffectiveLimits limits, long unused, long denied, long day) {
        List<String> args = List.of(Long.toString(unused), Long.toString(intervalMicros(limits.keyRate())),
                Long.toString(intervalMicros(limits.connectionRate())), Long.toString(denied), Long.toString(day));
        return SETTLE.run(redis, List.of(keys.key(connection, keyId), keys.connection(connection)), args)
                .replaceWithVoid();
    }

    /** The µs between two requests at {@code rate}, as {@code limiter.lua} computes it. */
    static long intervalMicros(double rate) {
        return Math.max(1, (long) Math.floor(1_000_000 / rate));
    }

    /**
     * Loads the script into Redis ahead of the first request (at start, and after Redis was unreachable,
     * since it may have restarted): a request then needs one round trip, never the NOSCRIPT reload's three.
     */
    Uni<Void> preload() {
        return redis.execute("SCRIPT", "LOAD", SOURCE).replaceWithVoid();
    }

    private static Reservation reservation(Response reply) {
        Verdict verdict = verdict(reply);
        return new Reservation(verdict, reply.get(8).toInteger(), reply.get(9).toLong(), reply.get(10).toLong() == 1,
                reply.get(11).toLong(), reply.get(12).toLong(), reply.get(13).toLong());
    }

    private static Verdict verdict(Response reply) {
        boolean allowed = reply.get(0).toLong() == 1;
        return new Verdict(
                allowed,
                reply.get(1).toString(),
                allowed ? null : Verdict.denialCode(reply.get(2).toString()),
                reply.get(3).toLong(),
                reply.get(4).toLong(),
                reply.get(5).toLong(),
                reply.get(6).toLong(),
                reply.get(7).toLong());
    }

    private static String resource(String name) {
        try (InputStream in = LimiterScript.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing script resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read script resource " + name, e);
        }
    }

    // Rates are whole numbers from the configuration or the key, but the type allows fractions: plain decimal.
    private static String number(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
