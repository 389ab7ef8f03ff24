package io.keapgateway.token;

import io.smallrye.mutiny.Uni;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * What this replica knows of one connection's grant, and its one renewal in flight. Single flight is this
 * data structure, as in Quarkus oidc-client: one atomic state holding the newest grant known here and either
 * nothing or the memoized renewal that every caller joins. The renewal leaves the state when it ends, so the
 * next one starts afresh. A failed renewal is remembered briefly, so that callers do not each call Keap again.
 */
final class TokenSlot {

    /** After a failed renewal, callers that need a new token get the same failure this long. */
    static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(5);

    /**
     * {@code grant}: the newest grant this replica knows to be in the store (or that it read from there);
     * {@code unsaved}: a pair Keap issued that is not saved yet. It is the one served, since Keap has rotated:
     * the stored refresh token is dead.
     */
    private record State(Grant grant, Grant unsaved, Uni<Grant> renewal, Throwable failure, Instant retryAt) {
        State with(Grant newGrant, Grant newUnsaved) {
            return new State(newGrant, newUnsaved, renewal, failure, retryAt);
        }
    }

    private final AtomicReference<State> state = new AtomicReference<>(new State(null, null, null, null, null));
    private final Clock clock;

    TokenSlot(Clock clock) {
        this.clock = clock;
    }

    /** The grant to serve with (an unsaved pair first), or null. Costs nothing: this is what a proxied request reads. */
    Grant grant() {
        State s = state.get();
        return s.unsaved() != null ? s.unsaved() : s.grant();
    }

    /** The newest grant known to be stored, ignoring an unsaved pair: what a write-back may write. */
    Grant stored() {
        return state.get().grant();
    }

    /** The pair Keap issued that is not saved yet, or null. */
    Grant unsaved() {
        return state.get().unsaved();
    }

    /** Whether a renewal is in flight or a pair Keap issued waits for its save: what a shutdown waits for. */
    boolean busy() {
        State s = state.get();
        return s.renewal() != null || s.unsaved() != null;
    }

    /**
     * Keeps {@code candidate} if it is newer than the stored grant held; answers the grant served afterwards.
     * A grant at least as new as an unsaved pair supersedes it (that pair's save then fails its version check).
     */
    Grant adopt(Grant candidate) {
        if (candidate == null) {
            return grant();
        }
        State after = state.updateAndGet(s -> {
            if (!candidate.newerThan(s.grant())) {
                return s;
            }
            boolean superseded = s.unsaved() != null && candidate.version() >= s.unsaved().version();
            return new State(candidate, superseded ? null : s.unsaved(), s.renewal(), null, null);
        });
        return after.unsaved() != null ? after.unsaved() : after.grant();
    }

    /** Serves with {@code pair} until it is saved, unless a newer grant arrived meanwhile; true if held. */
    boolean holdUnsaved(Grant pair) {
        State after = state.updateAndGet(s -> pair.newerThan(s.grant()) ? s.with(s.grant(), pair) : s);
        return after.unsaved() == pair;
    }

    /** {@code pair} (held unsaved) is now stored, as {@code saved}. */
    void saved(Grant pair, Grant saved) {
        state.updateAndGet(s -> s.unsaved() == pair ? s.with(s.grant(), null) : s);
        adopt(saved);
    }

    /** {@code pair} lost to a newer grant and is dropped; {@code stored} is adopted instead. */
    void discard(Grant pair, Grant stored) {
        state.updateAndGet(s -> s.unsaved() == pair ? s.with(s.grant(), null) : s);
        adopt(stored);
    }

    /**
     * Joins the renewal in flight, or starts {@code procedure} as the one renewal (it runs to the end even if
     * every caller goes away). With {@code honourBackoff}, a renewal that failed moments ago is answered with
     * its failure instead of starting another.
     */
    Uni<Grant> renew(Supplier<Uni<Grant>> procedure, boolean honourBackoff) {
        while (true) {
            State current = state.get();
            if (current.renewal() != null) {
                return current.renewal();
            }
            if (honourBackoff && current.failure() != null && clock.instant().isBefore(current.retryAt())) {
                return Uni.createFrom().failure(current.failure());
            }
            AtomicReference<Uni<Grant>> self = new AtomicReference<>();
            Uni<Grant> renewal = Uni.createFrom().<Grant>deferred(procedure::get)
                    .onItemOrFailure().invoke((grant, failure) -> finish(self.get(), grant, failure))
                    .memoize().indefinitely();
            self.set(renewal);
            if (state.compareAndSet(current, new State(current.grant(), current.unsaved(), renewal, current.failure(),
                    current.retryAt()))) {
                renewal.subscribe().with(grant -> { }, failure -> { }); // outcomes are handled by the procedure
                return renewal;
            }
        }
    }

    private void finish(Uni<Grant> renewal, Grant result, Throwable failure) {
        Instant retryAt = failure == null ? null : clock.instant().plus(RETRY_AFTER_FAILURE);
        state.updateAndGet(s -> {
            if (s.renewal() != renewal) {
                return s;
            }
            // A renewal may answer the unsaved pair itself: that one stays unsaved until its save lands.
            boolean newer = result != null && result != s.unsaved() && result.newerThan(s.grant());
            Grant newest = newer ? result : s.grant();
            boolean superseded = newer && s.unsaved() != null && result.version() >= s.unsaved().version();
            return new State(newest, superseded ? null : s.unsaved(), null, failure, retryAt);
        });
    }
}
