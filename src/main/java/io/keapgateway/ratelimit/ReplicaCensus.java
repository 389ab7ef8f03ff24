package io.keapgateway.ratelimit;

import io.keapgateway.store.LuaScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * Counts the replicas that heartbeat into Redis, so that each knows its share of the limits should Redis
 * become unreachable. The last count is kept: it is exactly what is needed when Redis cannot be asked.
 */
final class ReplicaCensus {

    /** How often each replica says it is alive. */
    static final String EVERY = "2s";
    /** A replica silent this long is no longer counted (several missed heartbeats). */
    static final Duration ALIVE = Duration.ofSeconds(10);

    private static final LuaScript HEARTBEAT = LuaScript.fromResource("/io/keapgateway/ratelimit/heartbeat.lua");

    private final ReactiveRedisDataSource redis;
    private final LimitKeys keys;
    private final String id = UUID.randomUUID().toString();
    private volatile int replicas = 1;

    ReplicaCensus(ReactiveRedisDataSource redis, LimitKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    /** Says this replica is alive; completes with the number of live replicas, this one included. */
    Uni<Integer> beat() {
        return HEARTBEAT.run(redis, List.of(keys.replicas()), List.of(id, Long.toString(ALIVE.toMillis())))
                .map(reply -> {
                    replicas = Math.max(1, reply.toInteger());
                    return replicas;
                });
    }

    /** The replica count last seen, at least 1. */
    int replicas() {
        return replicas;
    }
}
