package io.keapgateway.ratelimit;

import io.keapgateway.config.GatewayConfig;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The limiter's configuration, taken from {@link GatewayConfig} (or built directly by tests).
 *
 * @param prefix prefix of every Redis key
 * @param keyRate default per-key rate (requests per second)
 * @param keyBurst default per-key burst (requests)
 * @param connectionRate per-connection rate; empty takes the mode's default
 * @param connectionBurst per-connection burst; empty takes the mode's default
 * @param connectionDaily per-connection requests per UTC day; empty takes the mode's default
 * @param redisTimeout longest wait for Redis on the request path before deciding locally
 * @param batchMax the largest batch a replica reserves ({@link Batches}); 1 for one script call per request
 * @param batchLifetime how long a batch may be spent
 * @param localReplicaFloor the fewest replicas assumed in local mode (the share is limit / max(counted, this))
 */
record LimiterSettings(
        String prefix,
        int keyRate,
        int keyBurst,
        OptionalInt connectionRate,
        OptionalInt connectionBurst,
        OptionalLong connectionDaily,
        Duration redisTimeout,
        int batchMax,
        Duration batchLifetime,
        int localReplicaFloor) {

    /** Settings with no replica floor (tests). */
    LimiterSettings(String prefix, int keyRate, int keyBurst, OptionalInt connectionRate, OptionalInt connectionBurst,
            OptionalLong connectionDaily, Duration redisTimeout, int batchMax, Duration batchLifetime) {
        this(prefix, keyRate, keyBurst, connectionRate, connectionBurst, connectionDaily, redisTimeout, batchMax,
                batchLifetime, 1);
    }

    /**
     * A request waits at most this long for Redis before the local limiter decides it. Not shorter: on a busy
     * two-core replica a healthy Redis answer can take a few hundred milliseconds, and a local decision
     * counts from zero (it can let through what Redis would have refused).
     */
    static final Duration REDIS_TIMEOUT = Duration.ofSeconds(1);

    // Defaults that keep a connection inside Keap's own quotas (KEAP-API-FACTS.md section 4).
    private static final int OAUTH_RATE = 20;
    private static final int OAUTH_BURST = 20;
    private static final long OAUTH_DAILY = 150_000;
    private static final int API_KEY_RATE = 5;
    private static final int API_KEY_BURST = 5;
    private static final long API_KEY_DAILY = 30_000;

    static LimiterSettings from(GatewayConfig config) {
        GatewayConfig.Limits limits = config.limits();
        return new LimiterSettings(
                config.redisPrefix(),
                limits.key().rate(),
                limits.key().burst(),
                limits.connection().rate(),
                limits.connection().burst(),
                limits.connection().daily(),
                REDIS_TIMEOUT,
                limits.batch().max(),
                limits.batch().lifetime(),
                Math.max(1, limits.localReplicaFloor()));
    }

    /** The limits that apply to one request. Rates and bursts below 1 are raised to 1. */
    EffectiveLimits limitsFor(LimitRequest request) {
        boolean apiKey = request.apiKeyConnection();
        int keyRateValue = request.keyRatePerSecond() != null ? request.keyRatePerSecond() : keyRate;
        int keyBurstValue = request.keyBurst() != null ? request.keyBurst() : keyBurst;
        long keyDaily = request.keyDailyQuota() != null ? Math.max(0, request.keyDailyQuota()) : 0;
        return new EffectiveLimits(
                Math.max(1, keyRateValue),
                Math.max(1, keyBurstValue),
                keyDaily,
                Math.max(1, connectionRate.orElse(apiKey ? API_KEY_RATE : OAUTH_RATE)),
                Math.max(1, connectionBurst.orElse(apiKey ? API_KEY_BURST : OAUTH_BURST)),
                Math.max(0, connectionDaily.orElse(apiKey ? API_KEY_DAILY : OAUTH_DAILY)),
                request.highPriority());
    }
}
