package io.keapgateway.telemetry;

import io.keapgateway.connection.Connection;
import io.keapgateway.connection.Mode;
import io.keapgateway.token.TokenCustody;
import io.keapgateway.token.TokenStatus;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Each connection's state as health and metrics report it, from this replica's memory only (they must
 * answer while Redis does not): {@code connected}, {@code needs_reauth} or {@code disconnected}.
 */
@ApplicationScoped
public class ConnectionStates {

    /** Every state a connection can be in. */
    public static final String[] STATES = {"connected", "needs_reauth", "disconnected"};

    private final TokenCustody custody;

    ConnectionStates(TokenCustody custody) {
        this.custody = custody;
    }

    /** The connection's state. */
    public String state(Connection connection) {
        if (connection.mode() == Mode.oauth) {
            return custody.cachedStatus(connection.name()).status();
        }
        return connection.apiKey() != null ? "connected" : "disconnected";
    }

    /** Seconds until the connection's access token expires (negative once it has); NaN without one. */
    double secondsUntilTokenExpiry(Connection connection, long nowMillis) {
        if (connection.mode() != Mode.oauth) {
            return Double.NaN;
        }
        TokenStatus status = custody.cachedStatus(connection.name());
        return status.accessTokenExpiresAt() == null ? Double.NaN
                : (status.accessTokenExpiresAt().toEpochMilli() - nowMillis) / 1000.0;
    }
}
