package io.keapgateway.admin;

import io.keapgateway.connection.Connection;
import io.keapgateway.connection.Mode;
import jakarta.enterprise.context.ApplicationScoped;

/** Builds a connection's status from what custody and the limiter know of it. */
@ApplicationScoped
class ConnectionStatuses {

    ConnectionView of(Connection connection) {
        boolean usable = connection.mode() == Mode.api_key && connection.apiKey() != null;
        return new ConnectionView(connection.name(), connection.mode().name(),
                usable ? "connected" : "disconnected", null, null, null, null, null);
    }
}
