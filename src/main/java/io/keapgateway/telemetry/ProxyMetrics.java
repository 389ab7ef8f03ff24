package io.keapgateway.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The proxy's meters, looked up once per tag combination and cached, so that counting a request allocates
 * nothing once its combination has been seen:
 * <ul>
 * <li>{@code keap_gateway_proxy_requests_total{key_id, connection, route, status_class}}</li>
 * <li>{@code keap_gateway_upstream_latency_seconds{connection}}: a histogram of the time until Keap's
 * response headers</li>
 * <li>{@code keap_gateway_limiter_decisions_total{reason}}: {@code allowed}, or the limit that denied</li>
 * </ul>
 * Tags come only from authenticated keys, configured connections and bounded sets, never from what a
 * client sends, so a client cannot make the number of series grow.
 */
@Singleton // no client proxy: it serves every proxied request (docs/benchmarks.md "What the profile changed")
public class ProxyMetrics {

    /** The key and connection tag of a request refused before its key was known. */
    static final String NONE = "none";
    private static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    /** Upper bounds of the latency histogram's buckets: from a fast Keap answer to the 60 s response timeout. */
    private static final Duration[] LATENCY_BUCKETS = {Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofSeconds(60)};
    /** The limits that can deny a request (Decision.Limit names). */
    private static final String[] LIMITS = {"key", "key_daily", "connection", "connection_daily", "keap"};

    private final MeterRegistry registry;
    private final Map<String, KeyCounters> requests = new ConcurrentHashMap<>();
    private final Map<String, Timer> latency = new ConcurrentHashMap<>();
    private final Map<String, Counter> decisions = new ConcurrentHashMap<>();

    ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Counts one answered request; {@code status} is the HTTP status sent to the client. */
    void requestAnswered(String keyId, String connection, int family, int status) {
        KeyCounters counters = requests.get(keyId);
        if (counters == null || !counters.connection.equals(connection)) {
            counters = new KeyCounters(connection); // first request of the key, or its connection changed
            requests.put(keyId, counters);
        }
        int statusClass = Math.min(Math.max(status / 100, 1), 5) - 1;
        counters.counter(registry, keyId, family, statusClass).increment();
    }

    /** Records the time from sending a request to Keap until its response headers (or its failure). */
    void upstreamAnswered(String connection, long nanos) {
        Timer timer = latency.get(connection);
        if (timer == null) {
            timer = latency.computeIfAbsent(connection, name -> Timer.builder("keap_gateway_upstream_latency")
                    .description("Time from sending a request to Keap until its response headers arrive")
                    .tag("connection", name)
                    .serviceLevelObjectives(LATENCY_BUCKETS)
                    .register(registry));
        }
        timer.record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Counts one limiter decision: {@code deniedBy} is null for an allowed request, else the name of the limit
     * that denied it (one of a fixed set; anything else is {@code other}, so the tag's values stay bounded).
     */
    void limiterDecided(String deniedBy) {
        String reason = deniedBy == null ? "allowed" : knownLimit(deniedBy);
        Counter counter = decisions.get(reason);
        if (counter == null) {
            counter = decisions.computeIfAbsent(reason, name -> Counter.builder("keap_gateway_limiter_decisions")
                    .description("Rate-limiter decisions: allowed, or the limit that denied the request")
                    .tag("reason", name)
                    .register(registry));
        }
        counter.increment();
    }

    private static String knownLimit(String name) {
        for (String limit : LIMITS) {
            if (limit.equals(name)) {
                return limit;
            }
        }
        return "other";
    }

    /** One key's request counters, by route family and status class, created on first use. */
    private static final class KeyCounters {
        final String connection;
        final Counter[] counters = new Counter[RouteFamily.count() * STATUS_CLASSES.length];

        KeyCounters(String connection) {
            this.connection = connection;
        }

        Counter counter(MeterRegistry registry, String keyId, int family, int statusClass) {
            int slot = family * STATUS_CLASSES.length + statusClass;
            Counter counter = counters[slot];
            if (counter == null) {
                // The registry answers the same counter for the same tags, so a racing second lookup is harmless.
                counter = Counter.builder("keap_gateway_proxy_requests")
                        .description("Proxied requests answered, by gateway key, connection, route family and status class")
                        .tags("key_id", keyId, "connection", connection, "route", RouteFamily.name(family),
                                "status_class", STATUS_CLASSES[statusClass])
                        .register(registry);
                counters[slot] = counter;
            }
            return counter;
        }
    }
}
