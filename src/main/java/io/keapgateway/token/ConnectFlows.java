package io.keapgateway.token;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.connection.Connection;
import io.keapgateway.keap.KeapTokenClient;
import io.keapgateway.keap.TokenResponse;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;

/**
 * How a connection gets (or loses) its grant: an authorization code exchanged at Keap, a refresh token
 * adopted from an older integration, or forgetting. A new grant replaces whatever is stored, under a new
 * version, so no replica writes an older one back. Blocking: call from worker threads. Keap's refusals
 * surface as {@link io.keapgateway.keap.TokenEndpointException}.
 */
@ApplicationScoped
public class ConnectFlows {

    private final KeapTokenClient keap;
    private final GrantVault vault;
    private final TokenSlots slots;
    private final CustodyEvents events;
    private final Clock clock;
    private final Duration tokenTimeout;

    ConnectFlows(KeapTokenClient keap, GrantVault vault, TokenSlots slots, CustodyEvents events, Clock clock,
            GatewayConfig config) {
        this.keap = keap;
        this.vault = vault;
        this.slots = slots;
        this.events = events;
        this.clock = clock;
        this.tokenTimeout = config.oauth().tokenTimeout().plusSeconds(5);
    }

    /** Exchanges a code issued for {@code redirectUri} (by the callback, or pasted by an operator). */
    public TokenStatus connectWithCode(Connection connection, String code, String redirectUri, String actor, String via) {
        TokenResponse response = keap.exchangeCode(connection.clientId(), connection.clientSecret(), code, redirectUri)
                .await().atMost(tokenTimeout);
        return install(connection, response, actor, via);
    }

    /**
     * Takes over the grant of an older integration. The refresh token is used at once: the gateway must own
     * the rotation, and the old integration's copy dies by it (stop that integration first).
     */
    public TokenStatus adoptRefreshToken(Connection connection, String refreshToken, String actor) {
        TokenResponse response = keap.refresh(connection.clientId(), connection.clientSecret(), refreshToken)
                .await().atMost(tokenTimeout);
        return install(connection, response, actor, "refresh_token");
    }

    /** Forgets the tokens by writing a tombstone version (a deletion could be undone by a write-back). */
    public TokenStatus forget(Connection connection, String actor) {
        Grant tombstone = vault.replace(connection.name(), version -> Grant.forgotten(version, clock.instant()));
        slots.of(connection.name()).adopt(tombstone);
        vault.clearError(connection.name());
        events.forgotten(connection.name(), actor);
        return new TokenStatus("disconnected", null, null, null, null);
    }

    private TokenStatus install(Connection connection, TokenResponse response, String actor, String via) {
        String name = connection.name();
        Grant grant = vault.replace(name, version -> Grant.issued(version, response, clock.instant()));
        slots.of(name).adopt(grant);
        vault.clearError(name);
        events.connected(name, grant, actor, via);
        return new TokenStatus(GrantState.connected.name(), grant.tenant(), grant.accessTokenExpiresAt(),
                grant.refreshedAt(), null);
    }
}
