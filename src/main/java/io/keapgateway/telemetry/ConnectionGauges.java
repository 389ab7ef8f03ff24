package io.keapgateway.telemetry;

import io.keapgateway.connection.Connection;
import io.keapgateway.connection.ConnectionRegistry;
import io.keapgateway.ratelimit.KeapQuota;
import io.keapgateway.ratelimit.RateLimiter;
import io.keapgateway.store.StoreChanged;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Per-connection gauges, read from memory when Prometheus scrapes:
 * <ul>
 * <li>{@code keap_gateway_connection_status{connection, status}}: 1 for the connection's state, 0 for the others</li>
 * <li>{@code keap_gateway_token_expires_in_seconds{connection}}: until the access token expires (OAuth only)</li>
 * <li>{@code keap_gateway_keap_quota_available{connection}} and {@code keap_gateway_keap_quota_limit{connection}}:
 * Keap's daily quota as its last answer to this replica reported it (NaN before the first)</li>
 * </ul>
 * Gauges follow the connections: registered when one appears, removed when it is gone.
 */
@ApplicationScoped
class ConnectionGauges {

    private final MeterRegistry registry;
    private final ConnectionRegistry connections;
    private final ConnectionStates states;
    private final RateLimiter limiter;
    private final Clock clock;
    private final Map<String, List<Meter>> registered = new HashMap<>();

    ConnectionGauges(MeterRegistry registry, ConnectionRegistry connections, ConnectionStates states,
            RateLimiter limiter, Clock clock) {
        this.registry = registry;
        this.connections = connections;
        this.states = states;
        this.limiter = limiter;
        this.clock = clock;
    }

    void atStartup(@Observes StartupEvent event) {
        follow();
    }

    /** After the connection registry has reloaded (it observes the same event at the default priority). */
    void afterChange(@Observes @Priority(Interceptor.Priority.APPLICATION + 1000) StoreChanged change) {
        follow();
    }

    private synchronized void follow() {
        Set<String> present = new HashSet<>();
        for (Connection connection : connections.all()) {
            present.add(connection.name());
            registered.computeIfAbsent(connection.name(), this::register);
        }
        registered.keySet().removeIf(name -> {
            if (present.contains(name)) {
                return false;
            }
            registered.get(name).forEach(registry::remove);
            return true;
        });
    }

    private List<Meter> register(String name) {
        List<Meter> meters = new ArrayList<>();
        for (String state : ConnectionStates.STATES) {
            meters.add(gauge("keap_gateway_connection_status", name, "1 for the connection's current status",
                    connection -> state.equals(states.state(connection)) ? 1 : 0, "status", state));
        }
        meters.add(gauge("keap_gateway_token_expires_in_seconds", name, "Seconds until the OAuth access token expires",
                connection -> states.secondsUntilTokenExpiry(connection, clock.millis())));
        meters.add(gauge("keap_gateway_keap_quota_available", name, "Requests left today, as Keap last reported",
                connection -> quota(connection, KeapQuota::dailyAvailable)));
        meters.add(gauge("keap_gateway_keap_quota_limit", name, "Requests per day, as Keap last reported",
                connection -> quota(connection, KeapQuota::dailyLimit)));
        return meters;
    }

    private Gauge gauge(String metric, String name, String description, Function<Connection, Number> value,
            String... extraTags) {
        return Gauge.builder(metric, () -> connections.find(name).map(value).orElse(Double.NaN))
                .description(description)
                .tag("connection", name)
                .tags(extraTags)
                .register(registry);
    }

    private double quota(Connection connection, Function<KeapQuota, Long> field) {
        Optional<Long> value = limiter.quotaSeenHere(connection.name()).map(field);
        return value.isPresent() ? value.get() : Double.NaN;
    }
}
