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

    private record State(Grant grant, Uni<Grant> renewal, Throwable failure, Instant retryAt) {
    }

    private final AtomicReference<State> state = new AtomicReference<>(new State(null, null, null, null));
    private final Clock clock;

    TokenSlot(Clock clock) {
        this.clock = clock;
    }

    /** The newest grant known here, or null. Costs nothing: this is what a proxied request reads. */
    Grant grant() {
        return state.get().grant();
    }

    /** Keeps {@code candidate} if it is newer than the grant held; answers the grant held afterwards. */
    Grant adopt(Grant candidate) {
        if (candidate == null) {
            return grant();
        }
        return state.updateAndGet(s -> candidate.newerThan(s.grant())
                ? new State(candidate, s.renewal(), null, null) : s).grant();
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
            if (state.compareAndSet(current, new State(current.grant(), renewal, current.failure(), current.retryAt()))) {
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
            Grant newest = result != null && result.newerThan(s.grant()) ? result : s.grant();
            return new State(newest, null, failure, retryAt);
        });
    }
}
