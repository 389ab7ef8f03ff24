package io.keapgateway.token;

import io.keapgateway.config.GatewayConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;

/**
 * What a replica does while another one refreshes a grant: it polls the store, with backoff, until the
 * holder's result is stored, or until no replica holds the lease or the exchange record of the version it
 * saw (the holder failed, or died: the caller then looks again), and no store loss makes that absence
 * meaningless ({@link StoreLossGuard}). Bounded by {@code token-timeout} plus one
 * lease lifetime; the holder's call goes on after that.
 */
@ApplicationScoped
class HolderWait {

    private static final Duration FIRST_POLL = Duration.ofMillis(50);
    private static final Duration LONGEST_POLL = Duration.ofMillis(500);

    /** The holder is still at work: poll again. */
    private static final class StillAtWork extends RuntimeException {
        StillAtWork() {
            super("the refresh is still in progress", null, false, false);
        }
    }

    private final GrantVault vault;
    private final GrantReconciler reconciler;
    private final RefreshLease lease;
    private final StoreLossGuard lossGuard;
    private final Duration longestWait;

    HolderWait(GrantVault vault, GrantReconciler reconciler, RefreshLease lease, StoreLossGuard lossGuard,
            GatewayConfig config) {
        this.vault = vault;
        this.reconciler = reconciler;
        this.lease = lease;
        this.lossGuard = lossGuard;
        this.longestWait = config.oauth().leaseTtl().plus(config.oauth().tokenTimeout());
    }

    /** The longest a caller waits for another replica's refresh. */
    Duration longestWait() {
        return longestWait;
    }

    /** The grant newer than version {@code seen}, or empty once nobody is at work on {@code seen} any more. */
    Uni<Optional<Grant>> newerThan(String connection, long seen) {
        // A store hiccup tells nothing about the holder either: it is retried the same way, within the bound.
        return Blocking.call(() -> look(connection, seen))
                .onFailure().retry().withBackOff(FIRST_POLL, LONGEST_POLL).expireIn(longestWait.toMillis())
                .onFailure().transform(failure -> TokenProblems.holderTooSlow(connection));
    }

    private Optional<Grant> look(String connection, long seen) {
        if (vault.storedVersion(connection) > seen) {
            return Optional.ofNullable(reconciler.reconcile(connection));
        }
        // Right after a store loss, no record does not mean nobody is at work: keep polling, within the bound.
        if (lease.taken(connection) || lease.exchanging(connection, seen) || !lossGuard.mayBeginExchange()) {
            throw new StillAtWork();
        }
        return Optional.empty();
    }
}
