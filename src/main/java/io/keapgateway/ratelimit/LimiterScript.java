package io.keapgateway.ratelimit;

import io.keapgateway.store.LuaScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import java.math.BigDecimal;
import java.util.List;

/** Runs {@code limiter.lua}: one EVALSHA decides one request against all of its shared limits. */
final class LimiterScript {

    private static final LuaScript SCRIPT = LuaScript.fromResource("/io/keapgateway/ratelimit/limiter.lua");

    private final ReactiveRedisDataSource redis;
    private final LimitKeys keys;

    LimiterScript(ReactiveRedisDataSource redis, LimitKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    /**
     * Decides and, when allowed, charges every bucket.
     *
     * @param nowMillis null to use Redis's clock; a fixed epoch-ms time for tests
     */
    Uni<Verdict> decide(String connection, String keyId, EffectiveLimits limits, Long nowMillis) {
        List<String> args = List.of(
                nowMillis == null ? "" : Long.toString(nowMillis),
                number(limits.keyRate()),
                Long.toString(limits.keyBurst()),
                Long.toString(limits.keyDaily()),
                number(limits.connectionRate()),
                Long.toString(limits.connectionBurst()),
                Long.toString(limits.connectionDaily()),
                limits.highPriority() ? "1" : "0");
        return SCRIPT.run(redis, keys.decision(connection, keyId), args).map(LimiterScript::verdict);
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

    // Rates are whole numbers from the configuration or the key, but the type allows fractions: plain decimal.
    private static String number(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
