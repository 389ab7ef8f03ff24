package io.keapgateway.token;

import io.keapgateway.connection.Credentials;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.keapgateway.keap.TokenEndpointException;

/** Every answer custody gives when a connection's token cannot be had, each naming what an operator can do. */
final class TokenProblems {

    private TokenProblems() {
    }

    /** The 503 a client gets for a connection without a usable grant. */
    static GatewayException notConnected(String connection, Grant grant) {
        if (grant == null) {
            return Credentials.notConnected(connection);
        }
        if (grant.state() == GrantState.needs_reauth) {
            return new GatewayException(ErrorCode.NOT_CONNECTED, "Keap no longer accepts the grant of connection '"
                    + connection + "'; an operator must re-authorize it (POST /admin/connections/" + connection
                    + "/authorize, then open the authorize_url).");
        }
        return new GatewayException(ErrorCode.NOT_CONNECTED, "The Keap connection '" + connection
                + "' has no OAuth tokens; an operator must connect it (POST /admin/connections/" + connection
                + "/authorize, then open the authorize_url).");
    }

    /** Keap answered the refresh with a refusal that settles nothing, or did not answer. */
    static GatewayException refreshFailed(String connection, Throwable failure, String why) {
        if (failure instanceof TokenEndpointException refused && !refused.temporary()) {
            String hint = refused.invalidClient()
                    ? " Check its client_id and client_secret (PUT /admin/connections/" + connection + ")." : "";
            return new GatewayException(ErrorCode.NOT_CONNECTED,
                    "Keap refused to refresh the token of connection '" + connection + "': " + why + "." + hint);
        }
        return new GatewayException(ErrorCode.UPSTREAM_UNAVAILABLE, "The Keap token of connection '" + connection
                + "' must be refreshed, but Keap's token endpoint failed (" + why + "); the gateway tries again shortly.");
    }

    /** Another replica's token call outlasted this caller's wait (it goes on; its pair will be kept). */
    static GatewayException holderTooSlow(String connection) {
        return new GatewayException(ErrorCode.UPSTREAM_TIMEOUT, "Keap's token endpoint has been answering the "
                + "refresh of connection '" + connection + "' for longer than expected; try again shortly.");
    }

    /** An admin call's token call outlasted its wait (it goes on; a grant Keap issues is still saved). */
    static GatewayException keapStillAnswering(String connection) {
        return new GatewayException(ErrorCode.UPSTREAM_TIMEOUT, "Keap's token endpoint has not answered yet for "
                + "connection '" + connection + "'; the gateway keeps waiting and keeps the grant if Keap issues one "
                + "(see GET /admin/connections/" + connection + ").");
    }

    /** The store did not answer while a token had to be renewed. */
    static GatewayException storeDown(String connection) {
        return new GatewayException(ErrorCode.UPSTREAM_UNAVAILABLE, "The Keap token of connection '" + connection
                + "' must be renewed, but the gateway's store did not answer; the gateway tries again shortly.");
    }

    /**
     * Keap issued a grant but the store did not answer: unlike {@link #notDurable}, something did change (the
     * code is used up; the grant is served from memory and saved when the store answers, unless the grant is
     * forgotten or replaced first).
     */
    static GatewayException savingRetried(String connection) {
        return new GatewayException(ErrorCode.STORE_UNAVAILABLE, "Keap issued new tokens to connection '"
                + connection + "' (the code or refresh token is used up), but the gateway's store did not answer: the "
                + "new tokens are used from memory and saving them is being retried (read the connection to see when "
                + "they are saved). Forgetting the tokens still wins.");
    }

    /** An admin change to a grant could not be made durable. */
    static GatewayException notDurable(String connection, String what) {
        return new GatewayException(ErrorCode.STORE_UNAVAILABLE, "The gateway's store did not answer, so " + what
                + " of connection '" + connection + "' could not be saved; try again once the store answers.");
    }
}
