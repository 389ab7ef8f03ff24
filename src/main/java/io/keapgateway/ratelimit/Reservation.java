package io.keapgateway.ratelimit;

/**
 * What {@code limiter.lua} answered: the verdict for the request that asked and, when allowed, how many
 * requests' worth of every bucket it charged (that request included), for this replica to spend.
 *
 * @param verdict the decision, with the tightest limit as it stands once the whole batch is spent
 * @param granted requests charged (0 when denied)
 * @param stepMillis how much that limit's reset time grows per request (its interval; 0 for a daily count)
 * @param countsDown whether each request takes one from that limit's remaining count (not Keap's report)
 * @param day the UTC day number, on Redis's clock, the batch was counted on
 * @param keyUsed the key's requests counted on {@code day}, all replicas together, this batch included
 * @param connectionUsed the connection's requests counted on {@code day}, all replicas, this batch included
 */
record Reservation(Verdict verdict, int granted, long stepMillis, boolean countsDown, long day, long keyUsed,
        long connectionUsed) {

    /** A reservation whose day's counts are unknown (tests of batching). */
    Reservation(Verdict verdict, int granted, long stepMillis, boolean countsDown, long day) {
        this(verdict, granted, stepMillis, countsDown, day, 0, 0);
    }

    /**
     * The verdict for the batch's request number {@code index} (1 for the one that asked): the requests
     * after it have not been spent yet, so more is remaining and the reset is nearer.
     */
    Verdict forRequest(int index) {
        int after = granted - index;
        if (after <= 0) {
            return verdict;
        }
        return new Verdict(true, verdict.limit(), null, 0, verdict.quota(), verdict.windowSeconds(),
                verdict.remaining() + (countsDown ? after : 0),
                Math.max(0, verdict.resetMillis() - after * stepMillis));
    }
}
