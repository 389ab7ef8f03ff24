package io.keapgateway.notify;

import io.keapgateway.connection.Connection;
import io.keapgateway.connection.ConnectionRegistry;
import io.keapgateway.config.GatewayConfig;
import io.keapgateway.resilience.UpstreamGuards;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * This replica's circuit toward Keap for each connection, open or probing (half-open). Each replica has its
 * own circuit; the occurrence is shared, and stays open while any replica reports it.
 */
@ApplicationScoped
class CircuitDetector implements Detector {

    private final ConnectionRegistry connections;
    private final UpstreamGuards guards;
    private final Duration openFor;

    CircuitDetector(ConnectionRegistry connections, UpstreamGuards guards, GatewayConfig config) {
        this.connections = connections;
        this.guards = guards;
        this.openFor = config.notifications().circuitOpenFor();
    }

    @Override
    public Set<NotifyEvent> events() {
        return Set.of(NotifyEvent.CIRCUIT_OPEN);
    }

    @Override
    public List<Finding> findings(Instant now) {
        List<Finding> found = new ArrayList<>();
        for (Connection connection : connections.all()) {
            if (!"closed".equals(guards.circuitState(connection.name()))) {
                found.add(new Finding(NotifyEvent.CIRCUIT_OPEN, connection.name(),
                        Texts.circuitOpen(connection.name(), openFor)));
            }
        }
        return found;
    }
}
