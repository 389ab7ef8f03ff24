package io.keapgateway.token;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.connection.Connection;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.keapgateway.keap.KeapTokenClient;
import io.keapgateway.keap.TokenEndpointException;
import io.keapgateway.keap.TokenResponse;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * One refresh of a connection's grant across all replicas, made so that the grant can never fork (Keap's
 * refresh tokens are single-use, KEAP-API-FACTS summary item 1):
 * <ol>
 *   <li>reconcile memory and store (a grant the store lost is written back first);</li>
 *   <li>if the newest grant no longer needs refreshing, use it;</li>
 *   <li>take the lease; without it, wait for the holder's result by polling the stored version with backoff
 *       (or, for the scheduled check, leave it to the holder);</li>
 *   <li>under the lease, re-read the store: another replica may have rotated just before;</li>
 *   <li>call Keap, renewing the lease while the call runs;</li>
 *   <li>save the new pair with a version check, and only then release the lease;</li>
 *   <li>on {@code invalid_grant}, re-read first; only if nobody rotated, write needs_reauth (the version check
 *       decides the one replica that reports it).</li>
 * </ol>
 * Runs once per connection per replica at a time: {@link TokenSlot} collapses callers into one renewal.
 */
@ApplicationScoped
class Renewal {

    private static final Logger LOG = Logger.getLogger(Renewal.class);
    private static final Duration FIRST_POLL = Duration.ofMillis(50);
    private static final Duration LONGEST_POLL = Duration.ofMillis(500);
    private static final Duration SECOND_LOOK = Duration.ofSeconds(1);

    /** What a waiting replica saw: the holder's result, or whether the holder is still at work. */
    private record Sighting(Grant newer, boolean leaseTaken) {
    }

    /** The lease lapsed under us: another replica may be refreshing, so wait for it instead. */
    private static final class LeaseLost extends RuntimeException {
        final long seenVersion;

        LeaseLost(long seenVersion) {
            super("refresh lease lapsed", null, false, false);
            this.seenVersion = seenVersion;
        }
    }

    private final TokenSlots slots;
    private final GrantReconciler reconciler;
    private final GrantVault vault;
    private final RefreshLease lease;
    private final KeapTokenClient keap;
    private final CustodyEvents events;
    private final Clock clock;
    /** How long a replica waits for another's refresh: a lease lifetime on top of the longest token call. */
    private final Duration longestWait;

    Renewal(TokenSlots slots, GrantReconciler reconciler, GrantVault vault, RefreshLease lease, KeapTokenClient keap,
            CustodyEvents events, Clock clock, GatewayConfig config) {
        this.slots = slots;
        this.reconciler = reconciler;
        this.vault = vault;
        this.lease = lease;
        this.keap = keap;
        this.events = events;
        this.clock = clock;
        this.longestWait = config.oauth().leaseTtl().plus(config.oauth().tokenTimeout());
    }

    /** The longest a renewal can take: waiting out another replica's refresh, then making one. */
    Duration longestCall() {
        return longestWait.multipliedBy(2);
    }

    /** The newest grant (possibly not connected); fails when a needed refresh could not be made. */
    Uni<Grant> run(Connection connection, Need need) {
        String name = connection.name();
        return Blocking.repeatable(() -> reconciler.reconcile(name)).flatMap(latest -> {
            if (!refreshable(latest, need)) {
                return Uni.createFrom().item(latest);
            }
            return Blocking.call(() -> lease.tryAcquire(name)).flatMap(held -> {
                if (held.isPresent()) {
                    return refreshHolding(connection, need, held.get());
                }
                return need.waitForHolder() ? awaitHolder(connection, need, latest.version(), deadline(), FIRST_POLL)
                        : Uni.createFrom().item(latest);
            });
        });
    }

    private static boolean refreshable(Grant grant, Need need) {
        return grant != null && grant.connected() && need.wants().test(grant);
    }

    private Uni<Grant> refreshHolding(Connection connection, Need need, RefreshLease.Held held) {
        String name = connection.name();
        return Blocking.repeatable(() -> reconciler.reconcile(name))
                .onFailure().call(failure -> release(held))
                .flatMap(latest -> {
                    if (!refreshable(latest, need)) {
                        return release(held).replaceWith(latest); // rotated by another replica just before
                    }
                    Uni<TokenResponse> call = keap.refresh(connection.clientId(), connection.clientSecret(),
                            latest.refreshToken());
                    return lease.keptDuring(held, call).onItemOrFailure().transformToUni((response, failure) ->
                            failure == null ? keep(name, latest, response, need.actor(), held)
                                    : pauseBeforeJudging(failure)
                                            .flatMap(ignored -> Blocking.call(() -> afterRefusal(name, latest, held, failure))));
                })
                .onFailure(LeaseLost.class).recoverWithUni(lost ->
                        awaitHolder(connection, need, ((LeaseLost) lost).seenVersion, deadline(), FIRST_POLL));
    }

    /**
     * Saves the new pair, then releases the lease. Keap has rotated already, so the pair must not be lost:
     * if the store keeps failing, it is held in memory (reconciling writes it back once the store answers)
     * and the lease is left to lapse rather than released, so that no replica refreshes the dead token first.
     */
    private Uni<Grant> keep(String name, Grant used, TokenResponse response, String actor, RefreshLease.Held held) {
        Grant rotated = used.rotated(vault.nextVersion(used.version()), response, clock.instant());
        return Blocking.repeatable(() -> saveRotated(name, rotated, actor))
                .call(() -> release(held))
                .onFailure().recoverWithItem(failure -> {
                    LOG.errorf("Could not save the refreshed grant of connection %s (%s); holding version %d in "
                            + "memory until the store answers", name, failure.getMessage(), rotated.version());
                    return slots.of(name).adopt(rotated);
                });
    }

    /** Saves {@code rotated} with a version check; repeatable (a second try finds its own version stored). */
    private Grant saveRotated(String name, Grant rotated, String actor) {
        TokenSlot slot = slots.of(name);
        if (!vault.save(name, rotated)) {
            // Only a forget or a new connection writes while the lease is held, and it wins over this refresh.
            Grant stored = slot.adopt(vault.load(name).orElse(null));
            if (stored != null && stored.version() != rotated.version()) {
                LOG.warnf("The grant of connection %s was replaced while it was being refreshed; using the new one", name);
            }
            return stored;
        }
        slot.adopt(rotated);
        vault.clearError(name);
        events.refreshed(name, rotated, actor);
        return rotated;
    }

    /**
     * Before concluding from {@code invalid_grant} that the grant is lost, give a replica with a newer copy a
     * moment to write it back: after the store lost its data, a replica that had not yet heard of the last
     * refresh may have written back an older grant first (the store's emptying is noticed within 250 ms).
     */
    private static Uni<Void> pauseBeforeJudging(Throwable failure) {
        Uni<Void> now = Uni.createFrom().voidItem();
        // Mutiny refuses a zero delay: only invalid_grant waits at all.
        return failure instanceof TokenEndpointException refused && refused.invalidGrant()
                ? now.onItem().delayIt().by(SECOND_LOOK) : now;
    }

    /** Keap refused the refresh, or did not answer: settled under the lease, which is released last. */
    private Grant afterRefusal(String name, Grant used, RefreshLease.Held held, Throwable failure) {
        try {
            if (failure instanceof TokenEndpointException refused && refused.invalidGrant()) {
                return afterInvalidGrant(name, used, held, refused);
            }
            throw failed(name, failure);
        } finally {
            lease.release(held);
        }
    }

    private Grant afterInvalidGrant(String name, Grant used, RefreshLease.Held held, TokenEndpointException refused) {
        TokenSlot slot = slots.of(name);
        Optional<Grant> stored = vault.load(name);
        if (stored.isPresent() && stored.get().newerThan(used)) {
            LOG.infof("Keap refused an old refresh token of connection %s; another replica had rotated it (version %d)",
                    name, stored.get().version());
            return slot.adopt(stored.get());
        }
        if (!lease.renew(held)) {
            throw new LeaseLost(used.version());
        }
        Grant lost = used.needingReauth(vault.nextVersion(used.version()),
                "Keap refused the refresh token: " + refused.getMessage());
        if (!vault.save(name, lost)) {
            return slot.adopt(vault.load(name).orElse(null));
        }
        slot.adopt(lost);
        vault.recordError(name, lost.reason());
        events.needsReauth(name, lost);
        return lost;
    }

    /** A refresh that failed without settling anything: Keap unreachable, throttled, or refusing the client. */
    private GatewayException failed(String name, Throwable failure) {
        String why = failure instanceof TokenEndpointException refused ? refused.getMessage()
                : failure.getClass().getSimpleName() + ": " + failure.getMessage();
        vault.recordError(name, why);
        events.refreshFailed(name, why);
        if (failure instanceof TokenEndpointException refused && !refused.temporary()) {
            String hint = refused.invalidClient()
                    ? " Check its client_id and client_secret (PUT /admin/connections/" + name + ")." : "";
            return new GatewayException(ErrorCode.NOT_CONNECTED,
                    "Keap refused to refresh the token of connection '" + name + "': " + why + "." + hint);
        }
        return new GatewayException(ErrorCode.UPSTREAM_UNAVAILABLE, "The Keap token of connection '" + name
                + "' must be refreshed, but Keap's token endpoint failed (" + why + "); the gateway tries again shortly.");
    }

    private Uni<Grant> awaitHolder(Connection connection, Need need, long seen, Instant deadline, Duration pause) {
        String name = connection.name();
        return Uni.createFrom().voidItem().onItem().delayIt().by(pause)
                .flatMap(ignored -> Blocking.call(() -> look(name, seen)))
                // A store hiccup tells nothing about the holder: keep waiting, within the deadline.
                .onFailure().recoverWithItem(new Sighting(null, true))
                .flatMap(sighting -> {
                    if (sighting.newer() != null) {
                        return Uni.createFrom().item(sighting.newer());
                    }
                    if (!sighting.leaseTaken()) {
                        return run(connection, need); // the holder ended without a new version (failed, or died)
                    }
                    if (clock.instant().isAfter(deadline)) {
                        return Uni.createFrom().failure(new GatewayException(ErrorCode.UPSTREAM_UNAVAILABLE,
                                "Another gateway replica has been refreshing the Keap token of connection '" + name
                                        + "' for longer than expected; try again shortly."));
                    }
                    Duration next = pause.multipliedBy(2);
                    return awaitHolder(connection, need, seen, deadline, next.compareTo(LONGEST_POLL) > 0 ? LONGEST_POLL : next);
                });
    }

    private Sighting look(String name, long seen) {
        if (vault.storedVersion(name) > seen) {
            return new Sighting(reconciler.reconcile(name), true);
        }
        return new Sighting(null, lease.taken(name));
    }

    private Instant deadline() {
        return clock.instant().plus(longestWait);
    }

    private Uni<Void> release(RefreshLease.Held held) {
        return Blocking.call(() -> {
            lease.release(held);
            return null;
        });
    }
}
