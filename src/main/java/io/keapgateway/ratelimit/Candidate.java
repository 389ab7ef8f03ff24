package io.keapgateway.ratelimit;

import io.keapgateway.error.ErrorCode;
import java.util.List;

/**
 * One limit's view of a request in the local limiter ({@code limiter.lua} builds the same tables in Lua).
 *
 * @param name the limit's name in headers and details
 * @param quota requests per window
 * @param windowSeconds the window
 * @param remaining requests left after this one
 * @param resetMillis time until the limit is full again
 * @param retryMillis when it denies, how long until it would not
 * @param denial null when this limit lets the request pass
 */
record Candidate(
        String name, long quota, long windowSeconds, long remaining, long resetMillis, long retryMillis,
        ErrorCode denial) {

    static final long DAY_MS = 86_400_000L;

    /** A GCRA bucket whose theoretical arrival time would become {@code newTat} (ms) with this request. */
    static Candidate bucket(String name, double newTat, long now, double rate, long burst) {
        double interval = 1000.0 / rate; // ms between two requests at `rate`
        double capacity = burst * interval;
        double ahead = newTat - now;
        long window = Math.max(1, (long) Math.ceil(burst / rate));
        if (ahead > capacity + 1e-6) { // the epsilon absorbs floating-point drift after many additions
            long retry = (long) Math.ceil(ahead - capacity);
            return new Candidate(name, burst, window, 0, retry, retry, ErrorCode.RATE_LIMITED);
        }
        long remaining = (long) Math.floor((capacity - ahead) / interval + 1e-9);
        return new Candidate(name, burst, window, remaining, (long) Math.ceil(ahead), 0, null);
    }

    /** A count per UTC day, {@code used} not counting this request. */
    static Candidate daily(String name, long used, long quota, long toMidnight) {
        if (used >= quota) {
            return new Candidate(name, quota, 86_400, 0, toMidnight, toMidnight, ErrorCode.QUOTA_EXHAUSTED);
        }
        return new Candidate(name, quota, 86_400, quota - used - 1, toMidnight, 0, null);
    }

    /** Keap's reported day quota (only while the report holds). */
    static Candidate keap(KeapGate gate, boolean highPriority, long now) {
        long left = gate.untilMillis() - now;
        if (gate.denies(highPriority, now)) {
            return new Candidate("keap", gate.limit(), 86_400, 0, left, left, ErrorCode.QUOTA_EXHAUSTED);
        }
        return new Candidate("keap", gate.limit(), 86_400, Math.max(gate.available() - 1, 0), left, 0, null);
    }

    /** The denial that keeps the request out longest; when none denies, the limit with fewest requests left. */
    static Verdict choose(List<Candidate> candidates) {
        Candidate decided = null;
        for (Candidate candidate : candidates) {
            if (candidate.denial != null && (decided == null || candidate.retryMillis > decided.retryMillis)) {
                decided = candidate;
            }
        }
        boolean allowed = decided == null;
        if (allowed) {
            for (Candidate candidate : candidates) {
                if (decided == null || candidate.remaining < decided.remaining) {
                    decided = candidate;
                }
            }
        }
        return new Verdict(allowed, decided.name, decided.denial, decided.retryMillis, decided.quota,
                decided.windowSeconds, decided.remaining, decided.resetMillis);
    }
}
