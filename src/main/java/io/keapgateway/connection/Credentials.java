package io.keapgateway.connection;

import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

/** The credential to inject for a connection: its api key, or its current OAuth access token. */
@ApplicationScoped
public class Credentials {

    private final Instance<AccessTokens> accessTokens;

    Credentials(Instance<AccessTokens> accessTokens) {
        this.accessTokens = accessTokens;
    }

    public Uni<Credential> current(Connection connection) {
        if (connection.mode() == Mode.api_key) {
            return Uni.createFrom().item(Credential.apiKey(connection.apiKey()));
        }
        if (accessTokens.isUnsatisfied()) {
            return Uni.createFrom().failure(notConnected(connection.name()));
        }
        return accessTokens.get().current(connection);
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
