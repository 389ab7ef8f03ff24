package io.keapgateway.token;

import io.keapgateway.connection.AccessTokens;
import io.keapgateway.connection.Connection;
import io.keapgateway.connection.Credential;
import io.keapgateway.error.GatewayException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The OAuth access tokens of every connection, held in memory and refreshed safely across replicas. On the
 * proxy's hot path a fresh token is answered from memory, with no store round trip; everything else goes
 * through the connection's single renewal ({@link TokenSlot}, {@link Renewal}).
 */
@ApplicationScoped
public class TokenCustody implements AccessTokens {

    private static final Logger LOG = Logger.getLogger(TokenCustody.class);

    private final TokenSlots slots;
    private final Renewal renewal;
    private final GrantReconciler reconciler;
    private final GrantVault vault;
    private final RefreshPolicy policy;
    private final YoungTokenRejections youngRejections;
    private final Clock clock;

    TokenCustody(TokenSlots slots, Renewal renewal, GrantReconciler reconciler, GrantVault vault, RefreshPolicy policy,
            YoungTokenRejections youngRejections, Clock clock) {
        this.slots = slots;
        this.renewal = renewal;
        this.reconciler = reconciler;
        this.vault = vault;
        this.policy = policy;
        this.youngRejections = youngRejections;
        this.clock = clock;
    }

    @Override
    public Uni<Credential> current(Connection connection) {
        Credential held = held(connection);
        if (held != null) {
            return Uni.createFrom().item(held);
        }
        Grant grant = slots.of(connection.name()).grant();
        if (grant != null && !grant.connected()) {
            return Uni.createFrom().failure(TokenProblems.notConnected(connection.name(), grant));
        }
        return renew(connection, Need.due(policy, clock)).map(renewed -> credential(connection, renewed));
    }

    @Override
    public Credential held(Connection connection) {
        Grant grant = slots.of(connection.name()).grant();
        Instant now = clock.instant();
        if (grant == null || !grant.connected() || policy.expired(grant, now)) {
            return null;
        }
        if (policy.due(grant, now)) {
            // In the refresh margin: this request still has a valid token; the refresh runs alongside.
            renew(connection, Need.due(policy, clock)).subscribe().with(ok -> { }, failure -> { });
        }
        return grant.credential();
    }

    @Override
    public Uni<Credential> afterRejection(Connection connection, Credential rejected) {
        Grant grant = slots.of(connection.name()).grant();
        Instant now = clock.instant();
        if (grant != null && grant.connected() && !policy.expired(grant, now)) {
            if (!grant.credential().equals(rejected)) {
                return Uni.createFrom().item(grant.credential()); // refreshed already, here or on another replica
            }
            if (youngRejections.tooYoung(grant, now)) {
                youngRejections.report(connection.name());
                return Uni.createFrom().nullItem(); // Keap's 401 goes to the client as it is
            }
        }
        return renew(connection, Need.rejected(rejected, policy, clock)).map(renewed -> credential(connection, renewed));
    }

    /** Refreshes now (an operator asked), joining a refresh already in flight. Blocking: call from a worker. */
    public TokenStatus refreshNow(Connection connection, String actor) {
        Grant seen = reconciler.reconcile(connection.name());
        if (seen == null || !seen.connected()) {
            throw TokenProblems.notConnected(connection.name(), seen);
        }
        Grant renewed = slots.of(connection.name())
                .renew(procedure(connection, Need.forced(seen.version(), actor)), false)
                .ifNoItem().after(renewal.longestCall()).failWith(() -> TokenProblems.keapStillAnswering(connection.name()))
                .await().indefinitely(); // the renewal itself goes on: a pair Keap issues later is kept
        credential(connection, renewed); // fails when the refresh lost the grant
        return status(connection.name());
    }

    /** The scheduled check's refresh of a grant found due; returns when it is done. Blocking. */
    void refreshScheduled(Connection connection) {
        slots.of(connection.name()).renew(procedure(connection, Need.scheduled(policy, clock)), true)
                .await().atMost(renewal.longestCall());
    }

    /** The grant's status from this replica's memory, plus the last refresh error. Blocking (one store read). */
    public TokenStatus status(String connection) {
        Grant grant = slots.of(connection).grant();
        String state = grant == null || grant.state() == GrantState.forgotten ? "disconnected" : grant.state().name();
        String lastError = null;
        try {
            lastError = vault.lastError(connection).map(GrantVault.RefreshError::error).orElse(null);
        } catch (RuntimeException e) {
            LOG.debugf("No refresh error of connection %s available: %s", connection, e.getMessage());
        }
        if (grant == null || !grant.connected()) {
            return new TokenStatus(state, grant == null ? null : grant.tenant(), null,
                    grant == null ? null : grant.refreshedAt(), lastError);
        }
        return new TokenStatus(state, grant.tenant(), grant.accessTokenExpiresAt(), grant.refreshedAt(), lastError);
    }

    /**
     * The grant's state, tenant and access-token expiry from this replica's memory only (no last refresh
     * error): for health checks and metrics, which must answer while the store does not.
     */
    public TokenStatus cachedStatus(String connection) {
        Grant grant = slots.of(connection).grant();
        if (grant == null || grant.state() == GrantState.forgotten) {
            return new TokenStatus("disconnected", null, null, null, null);
        }
        return new TokenStatus(grant.state().name(), grant.tenant(),
                grant.connected() ? grant.accessTokenExpiresAt() : null, grant.refreshedAt(), null);
    }

    private Uni<Grant> renew(Connection connection, Need need) {
        return slots.of(connection.name()).renew(procedure(connection, need), true);
    }

    /**
     * One renewal, its failures made answers: a store that does not answer while a token must be refreshed
     * is reported (once per renewal, not per request) and answered without its internal message.
     */
    private Supplier<Uni<Grant>> procedure(Connection connection, Need need) {
        return () -> renewal.run(connection, need)
                .onFailure(failure -> !(failure instanceof GatewayException)).transform(failure -> {
                    LOG.warnf("The token of connection %s could not be renewed: %s", connection.name(), failure.toString());
                    return TokenProblems.storeDown(connection.name());
                });
    }

    private static Credential credential(Connection connection, Grant grant) {
        if (grant == null || !grant.connected()) {
            throw TokenProblems.notConnected(connection.name(), grant);
        }
        return grant.credential();
    }
}
