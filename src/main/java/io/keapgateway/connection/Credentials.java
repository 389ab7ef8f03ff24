package io.keapgateway.connection;

import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;

/** The credential to inject for a connection: its api key, or its current OAuth access token. */
@Singleton // no client proxy: it serves every proxied request (docs/benchmarks.md "What the profile changed")
public class Credentials {

    private final Instance<AccessTokens> accessTokens;

    Credentials(Instance<AccessTokens> accessTokens) {
        this.accessTokens = accessTokens;
    }

    public Uni<Credential> current(Connection connection) {
        Credential held = held(connection);
        if (held != null) {
            return Uni.createFrom().item(held);
        }
        if (accessTokens.isUnsatisfied()) {
            return Uni.createFrom().failure(notConnected(connection.name()));
        }
        return accessTokens.get().current(connection);
    }

    /**
     * The credential when it is at hand (an api key, or an OAuth access token this replica holds valid),
     * without waiting; null when {@link #current} must be asked.
     */
    public Credential held(Connection connection) {
        if (connection.mode() == Mode.api_key) {
            return Credential.apiKey(connection.apiKey());
        }
        return accessTokens.isUnsatisfied() ? null : accessTokens.get().held(connection);
    }

    /** After Keap rejected {@code rejected} with a 401: the credential to replay with (refreshed once). */
    public Uni<Credential> afterRejection(Connection connection, Credential rejected) {
        if (connection.mode() == Mode.api_key || accessTokens.isUnsatisfied()) {
            return Uni.createFrom().item(rejected);
        }
        return accessTokens.get().afterRejection(connection, rejected);
    }

    /** The answer when a connection cannot be used: names what the operator should do. */
    public static GatewayException notConnected(String connection) {
        return new GatewayException(ErrorCode.NOT_CONNECTED, "The Keap connection '" + connection
                + "' has no usable credential; the operator must connect it (see GET /admin/connections/"
                + connection + ").");
    }
}
