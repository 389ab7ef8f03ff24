package io.keapgateway.connection;

import io.smallrye.mutiny.Uni;

/** Source of the current OAuth access token of a connection (implemented by token custody). */
public interface AccessTokens {

    /**
     * The current access token, refreshing first if it is due; fails with {@code not_connected} when the
     * connection has no usable grant.
     */
    Uni<Credential> current(Connection connection);

    /**
     * The current access token when this replica holds a valid one (starting its refresh alongside when it is
     * due), without waiting for anything; null when {@link #current} must be asked.
     */
    Credential held(Connection connection);

    /**
     * Called when Keap rejected {@code rejected} with a 401: refreshes once (shared by every caller that saw
     * the same token rejected) and answers the token to replay with; or answers {@code null} when the token
     * is too young to be refreshed again, and Keap's 401 is to be passed on as it is.
     */
    Uni<Credential> afterRejection(Connection connection, Credential rejected);
}
