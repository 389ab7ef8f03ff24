package io.keapgateway.resilience;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Admits a request to Keap, in this order: its key's concurrency cap (429 {@code rate_limited}), its
 * connection's circuit breaker (503 {@code upstream_unavailable} while open), and, once its limits and
 * credential are settled, its connection's bulkhead (503 when {@code keap-gateway.proxy.max-in-flight}
 * requests already wait on Keap). All three are per replica
 * and in memory, so a refusal costs nothing and no call anywhere. Exports per connection the gauges
 * {@code keap_gateway_circuit_state} (0 closed, 1 half-open, 2 open) and {@code keap_gateway_upstream_in_flight}.
 */
@Singleton // no client proxy: it serves every proxied request (docs/benchmarks.md "What the profile changed")
public class UpstreamGuards {

    static final String STATE_GAUGE = "keap_gateway_circuit_state";
    static final String IN_FLIGHT_GAUGE = "keap_gateway_upstream_in_flight";

    /** A connection's breaker and bulkhead. */
    private record Guard(CircuitBreaker breaker, InFlight inFlight) {
    }

    private final GatewayConfig config;
    private final Clock clock;
    private final MeterRegistry registry;
    private final Map<String, Guard> guards = new ConcurrentHashMap<>();
    private final Map<String, InFlight> keys = new ConcurrentHashMap<>();

    UpstreamGuards(GatewayConfig config, Clock clock, MeterRegistry registry) {
        this.config = config;
        this.clock = clock;
        this.registry = registry;
    }

    /**
     * Takes the request's place in its key's count and its pass through the circuit breaker, or refuses it.
     * The bulkhead is entered later, through {@link Admission#board()}, when the request is about to be sent.
     *
     * @param keyMaxConcurrent the key's own cap, or null for the configured default
     * @throws GatewayException 429 {@code rate_limited} or 503 {@code upstream_unavailable}, with Retry-After
     */
    public Admission admit(String keyId, Integer keyMaxConcurrent, String connection) {
        InFlight key = null;
        if (config.limits().enabled()) {
            int keyCap = keyMaxConcurrent != null ? keyMaxConcurrent : config.limits().key().maxConcurrent();
            key = keys.computeIfAbsent(keyId, id -> new InFlight());
            if (!key.tryEnter(keyCap)) {
                throw new GatewayException(ErrorCode.RATE_LIMITED,
                        "This key already has " + keyCap + " requests in flight; wait for one to finish.",
                        Map.of("Retry-After", "1"));
            }
        }
        Guard guard = guard(connection);
        CircuitBreaker.Pass pass = guard.breaker().tryPass();
        if (!pass.allowed()) {
            if (key != null) {
                key.leave();
            }
            throw refused(503, pass.retryAfter(),
                    "Keap is failing for connection '" + connection + "'; the gateway is not sending to it for now.");
        }
        return new Admission(guard.breaker(), pass.candidate(), key, guard.inFlight(), config.proxy().maxInFlight(),
                connection);
    }

    /** {@code closed}, {@code open} or {@code half_open}: what the admin API shows for {@code connection}. */
    public String circuitState(String connection) {
        Guard guard = guards.get(connection);
        return guard == null ? CircuitBreaker.State.CLOSED.wireName() : guard.breaker().state().wireName();
    }

    /** Requests of {@code connection} in flight to Keap on this replica (what the gauge exports). */
    int inFlight(String connection) {
        Guard guard = guards.get(connection);
        return guard == null ? 0 : guard.inFlight().count();
    }

    private Guard guard(String connection) {
        Guard known = guards.get(connection);
        return known != null ? known : guards.computeIfAbsent(connection, this::newGuard);
    }

    private Guard newGuard(String connection) {
        GatewayConfig.Breaker settings = config.breaker();
        Guard guard = new Guard(new CircuitBreaker(connection, settings.failureThreshold(), settings.openDuration(), clock),
                new InFlight());
        Gauge.builder(STATE_GAUGE, guard.breaker(), UpstreamGuards::gaugeValue)
                .description("Circuit breaker of the connection: 0 closed, 1 half-open, 2 open")
                .tag("connection", connection)
                .register(registry);
        Gauge.builder(IN_FLIGHT_GAUGE, guard.inFlight(), InFlight::count)
                .description("Requests of the connection in flight to Keap on this replica")
                .tag("connection", connection)
                .register(registry);
        return guard;
    }

    private static double gaugeValue(CircuitBreaker breaker) {
        return switch (breaker.state()) {
            case CLOSED -> 0;
            case HALF_OPEN -> 1;
            case OPEN -> 2;
        };
    }

    /** A 503 {@code upstream_unavailable} telling the client when to try again. */
    static GatewayException refused(int status, Duration retryAfter, String detail) {
        long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000); // Retry-After is whole seconds, rounded up
        return new GatewayException(ErrorCode.UPSTREAM_UNAVAILABLE, status, detail,
                Map.of("Retry-After", Long.toString(seconds)));
    }
}
