package io.keapgateway.token;

import io.keapgateway.connection.Connection;
import io.keapgateway.keap.KeapTokenClient;
import io.keapgateway.keap.TokenEndpointException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * What the replica holding a connection's refresh lease does:
 * <ol>
 *   <li>re-read the store (another replica may have rotated just before);</li>
 *   <li>record "exchange of version N in progress"; if another replica holds that record, step back and wait
 *       (it may be stalled past its lease with its token call still out); likewise for one exchange budget
 *       after the store lost its data ({@link StoreLossGuard}), when such a record may have gone with it;</li>
 *   <li>call Keap, keeping lease and record alive for as long as the call runs;</li>
 *   <li>save the new pair with a compare-and-set on N ({@link GrantSaver}), then drop both records;</li>
 *   <li>on {@code invalid_grant}, re-read; write needs_reauth (compare-and-set on N) only if the store still
 *       holds N: then it is certain, since this replica holds the only exchange record of N.</li>
 * </ol>
 */
@ApplicationScoped
class LeaseHolder {

    /** Another replica is exchanging this grant's refresh token: the caller waits for its result. */
    static final class ExchangeInProgress extends RuntimeException {
        ExchangeInProgress() {
            super("another replica is exchanging this refresh token", null, false, false);
        }
    }

    private static final Logger LOG = Logger.getLogger(LeaseHolder.class);
    /**
     * Before concluding from {@code invalid_grant} that the grant is lost, a replica with a newer copy gets a
     * moment to write it back (after the store lost its data, its write-back may come after ours).
     */
    private static final Duration SECOND_LOOK = Duration.ofSeconds(1);

    private final TokenSlots slots;
    private final GrantReconciler reconciler;
    private final GrantVault vault;
    private final RefreshLease lease;
    private final KeapTokenClient keap;
    private final GrantSaver saver;
    private final CustodyEvents events;
    private final StoreLossGuard lossGuard;

    LeaseHolder(TokenSlots slots, GrantReconciler reconciler, GrantVault vault, RefreshLease lease,
            KeapTokenClient keap, GrantSaver saver, CustodyEvents events, StoreLossGuard lossGuard) {
        this.slots = slots;
        this.reconciler = reconciler;
        this.vault = vault;
        this.lease = lease;
        this.keap = keap;
        this.saver = saver;
        this.events = events;
        this.lossGuard = lossGuard;
    }

    /** Refreshes under {@code held}, which it releases; fails with {@link ExchangeInProgress} to make the caller wait. */
    Uni<Grant> refresh(Connection connection, Need need, RefreshLease.Held held) {
        return Blocking.repeatable(() -> reconciler.reconcile(connection.name()))
                .onFailure().call(failure -> Blocking.run(() -> lease.release(held)))
                .flatMap(latest -> refreshRead(connection, need, held, latest));
    }

    /** The steps after the re-read, from {@code latest} as read then (however long ago, if this replica stalled). */
    Uni<Grant> refreshRead(Connection connection, Need need, RefreshLease.Held held, Grant latest) {
        // A pair waiting for its save is the newest grant: rotating it now would fork the grant.
        if (!Renewal.refreshable(latest, need) || slots.of(connection.name()).unsaved() != null) {
            return Blocking.run(() -> lease.release(held)).replaceWith(latest);
        }
        return Blocking.call(() -> beginExchange(held, latest))
                .onFailure().call(failure -> Blocking.run(() -> lease.release(held)))
                .flatMap(exchange -> exchange.isPresent() ? exchange(connection, need, latest, exchange.get())
                        : Blocking.run(() -> lease.release(held)).onItem()
                                .<Grant>transformToUni(ignored -> Uni.createFrom().failure(new ExchangeInProgress())));
    }

    /**
     * Claims the exchange record of {@code latest}'s version; empty when this replica must not send its refresh
     * token: another replica holds the record, a store loss may have taken such a record with it
     * ({@link StoreLossGuard}), or the store moved past {@code latest} meanwhile. The last one is a replica
     * that stalled (frozen, paused) between reading the grant and claiming the record, its lease lapsing: the
     * record is free again because the exchange it stood for is over (another replica rotated that refresh
     * token, saved the pair, then dropped the record), so the claim alone would send a used refresh token
     * (issue 23). Such a save lands before its record goes, so the store, read after the claim, tells.
     */
    private Optional<RefreshLease.Exchange> beginExchange(RefreshLease.Held held, Grant latest) {
        if (!lossGuard.mayBeginExchange()) {
            return Optional.empty();
        }
        Optional<RefreshLease.Exchange> exchange = lease.beginExchange(held, latest.version());
        if (exchange.isPresent() && vault.storedVersion(held.connection()) > latest.version()) {
            LOG.infof("Connection %s: grant version %d was refreshed by another replica while this one stalled; not "
                    + "sending its refresh token again", held.connection(), latest.version());
            lease.end(exchange.get());
            return Optional.empty();
        }
        return exchange;
    }

    private Uni<Grant> exchange(Connection connection, Need need, Grant used, RefreshLease.Exchange exchange) {
        String name = connection.name();
        Runnable stopKeepingAlive = lease.keepAlive(exchange);
        Runnable settled = () -> {
            stopKeepingAlive.run();
            Blocking.run(() -> lease.end(exchange)).subscribe().with(ok -> { }, failure -> { });
        };
        return keap.refresh(connection.clientId(), connection.clientSecret(), used.refreshToken())
                .onItemOrFailure().transformToUni((response, failure) -> {
                    if (failure == null) {
                        return saver.keepRotated(name, used, response, need.actor(), settled);
                    }
                    return secondLook(failure)
                            .flatMap(ignored -> Blocking.call(() -> judge(name, used, failure)))
                            .onTermination().invoke(() -> {
                                stopKeepingAlive.run();
                                ending(exchange, failure).subscribe().with(ok -> { }, fails -> { });
                            });
                });
    }

    private Uni<Void> ending(RefreshLease.Exchange exchange, Throwable failure) {
        boolean uncertain = failure instanceof TokenEndpointException refused && refused.outcomeUnknown();
        return Blocking.run(() -> {
            if (uncertain) {
                lease.endUncertain(exchange);
            } else {
                lease.end(exchange);
            }
        });
    }

    private static Uni<Void> secondLook(Throwable failure) {
        Uni<Void> now = Uni.createFrom().voidItem();
        // Mutiny refuses a zero delay: only invalid_grant waits at all.
        return failure instanceof TokenEndpointException refused && refused.invalidGrant()
                ? now.onItem().delayIt().by(SECOND_LOOK) : now;
    }

    /** Keap refused the refresh, or did not answer. */
    private Grant judge(String name, Grant used, Throwable failure) {
        if (failure instanceof TokenEndpointException refused && refused.invalidGrant()) {
            return afterInvalidGrant(name, used, refused);
        }
        String why = failure instanceof TokenEndpointException refused ? refused.getMessage()
                : failure.getClass().getSimpleName() + ": " + failure.getMessage();
        vault.recordError(name, why);
        events.refreshFailed(name, why);
        throw TokenProblems.refreshFailed(name, failure, why);
    }

    private Grant afterInvalidGrant(String name, Grant used, TokenEndpointException refused) {
        TokenSlot slot = slots.of(name);
        Optional<Grant> stored = vault.load(name);
        if (stored.isPresent() && stored.get().newerThan(used)) {
            LOG.infof("Keap refused an old refresh token of connection %s; the store holds a newer grant (version %d)",
                    name, stored.get().version());
            return slot.adopt(stored.get());
        }
        Grant lost = used.needingReauth(used.version() + 1, "Keap refused the refresh token: " + refused.getMessage());
        if (!vault.saveIfStill(name, used.version(), lost, vault.sealed(name, lost))) {
            return slot.adopt(vault.load(name).orElse(null));
        }
        slot.adopt(lost);
        vault.recordError(name, lost.reason());
        events.needsReauth(name, lost);
        return lost;
    }
}
