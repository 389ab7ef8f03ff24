package io.keapgateway.token;

import io.keapgateway.connection.Credential;
import io.keapgateway.keap.TokenResponse;
import java.time.Instant;

/**
 * One version of a connection's OAuth grant as a replica holds it in memory, tokens in the clear. Versions
 * are counters that only grow: a refresh makes version N+1 of version N; a replacement (forget, a new
 * connection) takes one above anything stored (see {@link GrantVault}). {@code toString} never shows a token.
 *
 * @param version              orders the versions of one connection's grant
 * @param state                connected, forgotten or needs_reauth; only a connected grant has tokens
 * @param accessTokenExpiresAt when Keap stops accepting the access token
 * @param refreshedAt          when Keap issued the current refresh token (the grant's age counts from here)
 * @param tenant               the Keap account, from the {@code scope} suffix
 * @param reason               why the grant is not connected, when it is not
 */
record Grant(long version, GrantState state, String accessToken, String refreshToken, Instant accessTokenExpiresAt,
        Instant refreshedAt, String tenant, String reason) {

    /** A grant fresh from the token endpoint (code exchange, or adoption of a refresh token). */
    static Grant issued(long version, TokenResponse response, Instant now) {
        return new Grant(version, GrantState.connected, response.accessToken(), response.refreshToken(),
                now.plus(response.expiresIn()), now, response.tenant(), null);
    }

    /** The tombstone written when an operator forgets the tokens. */
    static Grant forgotten(long version, Instant now) {
        return new Grant(version, GrantState.forgotten, null, null, null, now, null, "forgotten by an operator");
    }

    /** The next version after a refresh. Keap echoes the scope each time; the known tenant is kept if it does not. */
    Grant rotated(long nextVersion, TokenResponse response, Instant now) {
        String newTenant = response.tenant() != null ? response.tenant() : tenant;
        return new Grant(nextVersion, GrantState.connected, response.accessToken(), response.refreshToken(),
                now.plus(response.expiresIn()), now, newTenant, null);
    }

    /** The next version after Keap refused the refresh token: no tokens, only why. */
    Grant needingReauth(long nextVersion, String why) {
        return new Grant(nextVersion, GrantState.needs_reauth, null, null, null, refreshedAt, tenant, why);
    }

    /** The same grant under the version the store gave it. */
    Grant withVersion(long newVersion) {
        return new Grant(newVersion, state, accessToken, refreshToken, accessTokenExpiresAt, refreshedAt, tenant, reason);
    }

    boolean connected() {
        return state == GrantState.connected;
    }

    /** What the proxy sends to Keap. */
    Credential credential() {
        return Credential.bearer(accessToken);
    }

    /** True when {@code other} is absent or an older version. */
    boolean newerThan(Grant other) {
        return other == null || version > other.version;
    }

    @Override
    public String toString() {
        return "Grant[v" + version + ", " + state + ", tenant=" + tenant + ", expires=" + accessTokenExpiresAt
                + ", tokens=****]";
    }
}
