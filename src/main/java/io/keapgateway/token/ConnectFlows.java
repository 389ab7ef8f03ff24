package io.keapgateway.token;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.connection.Connection;
import io.keapgateway.keap.KeapTokenClient;
import io.keapgateway.keap.TokenResponse;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * How a connection gets (or loses) its grant: an authorization code exchanged at Keap, a refresh token
 * adopted from an older integration, or forgetting. A new grant replaces whatever is stored, under a new
 * version, so a refresh of the older grant that lands later fails its compare-and-set and is discarded.
 * Each call answers only once its change is durable ({@code store_unavailable} otherwise). Blocking: call
 * from worker threads. Keap's refusals surface as {@link io.keapgateway.keap.TokenEndpointException}.
 */
@ApplicationScoped
public class ConnectFlows {

    private final KeapTokenClient keap;
    private final GrantSaver saver;
    private final Duration tokenTimeout;

    ConnectFlows(KeapTokenClient keap, GrantSaver saver, GatewayConfig config) {
        this.keap = keap;
        this.saver = saver;
        this.tokenTimeout = config.oauth().tokenTimeout();
    }

    /** Exchanges a code issued for {@code redirectUri} (by the callback, or pasted by an operator). */
    public TokenStatus connectWithCode(Connection connection, String code, String redirectUri, String actor, String via) {
        return install(connection, keap.exchangeCode(connection.clientId(), connection.clientSecret(), code,
                redirectUri), actor, via);
    }

    /**
     * Takes over the grant of an older integration. The refresh token is used at once: the gateway must own
     * the rotation, and the old integration's copy dies by it (stop that integration first).
     */
    public TokenStatus adoptRefreshToken(Connection connection, String refreshToken, String actor) {
        return install(connection, keap.refresh(connection.clientId(), connection.clientSecret(), refreshToken),
                actor, "refresh_token");
    }

    /** Forgets the tokens by writing a tombstone version (a deletion could be undone by a write-back). */
    public TokenStatus forget(Connection connection, String actor) {
        saver.forget(connection.name(), actor);
        return new TokenStatus("disconnected", null, null, null, null);
    }

    /**
     * The token call and the save run to their end even if this caller stops waiting (Keap may have issued a
     * pair that must be kept), so the caller waits on a shared, memoized run.
     */
    private TokenStatus install(Connection connection, Uni<TokenResponse> call, String actor, String via) {
        Uni<Grant> run = call.flatMap(response -> Blocking.call(() -> saver.install(connection.name(), response,
                actor, via))).memoize().indefinitely();
        run.subscribe().with(grant -> { }, failure -> { });
        Grant grant = run.ifNoItem().after(tokenTimeout).failWith(() -> TokenProblems.keapStillAnswering(connection.name()))
                .await().indefinitely();
        return new TokenStatus(GrantState.connected.name(), grant.tenant(), grant.accessTokenExpiresAt(),
                grant.refreshedAt(), null);
    }
}
