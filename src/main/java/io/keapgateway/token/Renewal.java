package io.keapgateway.token;

import io.keapgateway.connection.Connection;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * One refresh of a connection's grant across all replicas, made so that the grant can never fork (Keap's
 * refresh tokens are single-use): reconcile memory and store; if the newest grant no longer needs refreshing,
 * use it; otherwise take the lease and refresh ({@link LeaseHolder}), or wait for the replica that holds it
 * ({@link HolderWait}; the scheduled check leaves it to that replica instead). Runs once per connection per
 * replica at a time: {@link TokenSlot} collapses callers into one renewal.
 */
@ApplicationScoped
class Renewal {

    private final GrantReconciler reconciler;
    private final RefreshLease lease;
    private final LeaseHolder holder;
    private final HolderWait wait;

    Renewal(GrantReconciler reconciler, RefreshLease lease, LeaseHolder holder, HolderWait wait) {
        this.reconciler = reconciler;
        this.lease = lease;
        this.holder = holder;
        this.wait = wait;
    }

    /** The longest a renewal can take: waiting out another replica's refresh, then making one. */
    Duration longestCall() {
        return wait.longestWait().multipliedBy(2);
    }

    /** The newest grant (possibly not connected); fails when a needed refresh could not be made. */
    Uni<Grant> run(Connection connection, Need need) {
        String name = connection.name();
        return Blocking.repeatable(() -> reconciler.reconcile(name)).flatMap(latest -> {
            if (!refreshable(latest, need)) {
                return Uni.createFrom().item(latest);
            }
            Uni<Grant> otherwise = need.waitForHolder() ? awaitThenRun(connection, need, latest.version())
                    : Uni.createFrom().item(latest);
            return Blocking.call(() -> lease.tryAcquire(name)).flatMap(held -> held.isEmpty() ? otherwise
                    : holder.refresh(connection, need, held.get())
                            .onFailure(LeaseHolder.ExchangeInProgress.class).recoverWithUni(() -> otherwise));
        });
    }

    static boolean refreshable(Grant grant, Need need) {
        return grant != null && grant.connected() && need.wants().test(grant);
    }

    private Uni<Grant> awaitThenRun(Connection connection, Need need, long seen) {
        return wait.newerThan(connection.name(), seen).flatMap(newer -> newer.isPresent()
                ? Uni.createFrom().item(newer.get()) : run(connection, need));
    }
}
