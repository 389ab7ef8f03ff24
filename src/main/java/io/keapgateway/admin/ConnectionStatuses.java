package io.keapgateway.admin;

import io.keapgateway.connection.Connection;
import io.keapgateway.connection.Mode;
import io.keapgateway.token.TokenCustody;
import io.keapgateway.token.TokenStatus;
import jakarta.enterprise.context.ApplicationScoped;

/** Builds a connection's status from what custody and the limiter know of it. */
@ApplicationScoped
class ConnectionStatuses {

    private final TokenCustody custody;

    ConnectionStatuses(TokenCustody custody) {
        this.custody = custody;
    }

    ConnectionView of(Connection connection) {
        if (connection.mode() == Mode.oauth) {
            TokenStatus tokens = custody.status(connection.name());
            return new ConnectionView(connection.name(), connection.mode().name(), tokens.status(), tokens.tenant(),
                    tokens.accessTokenExpiresAt(), tokens.lastRefreshAt(), tokens.lastRefreshError(), null);
        }
        boolean usable = connection.apiKey() != null;
        return new ConnectionView(connection.name(), connection.mode().name(),
                usable ? "connected" : "disconnected", null, null, null, null, null);
    }
}
