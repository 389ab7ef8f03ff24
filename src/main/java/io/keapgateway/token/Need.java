package io.keapgateway.token;

import io.keapgateway.connection.Credential;
import java.time.Clock;
import java.util.function.Predicate;

/**
 * Why a renewal runs. {@code wants} is asked again of the newest grant after the store has been re-read
 * (under the lease too), so a grant another replica already rotated is used rather than rotated twice.
 *
 * @param wants         whether this grant still needs refreshing
 * @param waitForHolder when another replica holds the lease: wait for its result (a request needs a token),
 *                      or leave it to that replica (the scheduled check)
 * @param actor         who the audit trail names for the refresh
 */
record Need(Predicate<Grant> wants, boolean waitForHolder, String actor) {

    /** A request found the token expired, or in the refresh margin. */
    static Need due(RefreshPolicy policy, Clock clock) {
        return new Need(grant -> policy.due(grant, clock.instant()), true, CustodyEvents.GATEWAY);
    }

    /** The scheduled check found the grant due; another replica holding the lease is acting on it already. */
    static Need scheduled(RefreshPolicy policy, Clock clock) {
        return new Need(grant -> policy.due(grant, clock.instant()), false, CustodyEvents.GATEWAY);
    }

    /**
     * Keap answered 401 to {@code rejected}: refresh unless the newest grant already has another token that is
     * not due (the one exception to {@code min-refresh-interval}: the rejected token itself).
     */
    static Need rejected(Credential rejected, RefreshPolicy policy, Clock clock) {
        return new Need(grant -> grant.credential().equals(rejected) || policy.due(grant, clock.instant()),
                true, CustodyEvents.GATEWAY);
    }

    /** An operator asked for a refresh when version {@code seen} was current: one refresh after it is enough. */
    static Need forced(long seen, String actor) {
        return new Need(grant -> grant.version() <= seen, true, actor);
    }
}
