package io.keapgateway.token;

/** Where a connection's OAuth grant stands. */
public enum GrantState {
    /** Tokens are held and refreshed by the gateway. */
    connected,
    /** An operator made the gateway forget the tokens (a tombstone, so that no replica writes them back). */
    forgotten,
    /** Keap refused the refresh token ({@code invalid_grant}): only a new authorization helps. */
    needs_reauth
}
