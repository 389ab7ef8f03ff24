package io.keapgateway.health;

import io.keapgateway.connection.Connection;
import io.keapgateway.connection.ConnectionRegistry;
import io.keapgateway.telemetry.ConnectionStates;
import io.smallrye.health.api.Wellness;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Comparator;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/**
 * Wellness ({@code /q/health/well}): UP when every connection is {@code connected}; the details name each
 * connection and its state, never a credential. Not readiness: a lost grant must leave the console and the
 * OAuth callback that fix it in the Service. Reads memory only.
 */
@Wellness
@ApplicationScoped
public class ConnectionsWellness implements HealthCheck {

    private final ConnectionRegistry connections;
    private final ConnectionStates states;

    ConnectionsWellness(ConnectionRegistry connections, ConnectionStates states) {
        this.connections = connections;
        this.states = states;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("keap-connections").up();
        connections.all().stream().sorted(Comparator.comparing(Connection::name)).forEach(connection -> {
            String state = states.state(connection);
            response.withData(connection.name(), state);
            if (!"connected".equals(state)) {
                response.down();
            }
        });
        return response.build();
    }
}
