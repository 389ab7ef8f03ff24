package io.keapgateway.ratelimit;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The day quota the gateway believes from Keap's report: the most depleted of the product quota and the
 * tenant's daily window. {@code limiter.lua} (and the local limiter) deny everyone at 0 and all but
 * high-priority keys below 10%, until {@code untilMillis}, when Keap's day resets.
 *
 * @param available requests Keap says are left
 * @param limit the day's quota
 * @param untilMillis epoch ms after which the report no longer holds
 */
record KeapGate(long available, long limit, long untilMillis) {

    /** The gate a report implies, if it reports a day quota at all. */
    static Optional<KeapGate> of(KeapQuota quota) {
        KeapGate tightest = null;
        if (quota.dailyLimit() != null && quota.dailyAvailable() != null) {
            Instant until = quota.dailyExpiresAt() != null ? quota.dailyExpiresAt() : nextMidnight(quota.observedAt());
            tightest = new KeapGate(quota.dailyAvailable(), quota.dailyLimit(), until.toEpochMilli());
        }
        for (KeapQuota.Window window : quota.tenantThrottle()) {
            if (window.isDaily() && window.limit() != null && window.available() != null) {
                KeapGate gate = new KeapGate(
                        window.available(), window.limit(), nextMidnight(quota.observedAt()).toEpochMilli());
                tightest = tightest == null || gate.tighterThan(tightest) ? gate : tightest;
            }
        }
        return Optional.ofNullable(tightest);
    }

    /** Whether this gate keeps a request out at {@code nowMillis}. */
    boolean denies(boolean highPriority, long nowMillis) {
        if (limit <= 0 || nowMillis >= untilMillis) {
            return false;
        }
        return available <= 0 || (available * 10 < limit && !highPriority);
    }

    /**
     * How long a 429 response's own headers say Keap stays closed: until the day's reset when a day quota
     * is at 0, a window's length when a shorter window is at 0. Empty when no window is at 0.
     */
    static Optional<Duration> exhaustedFor(KeapQuota quota, Instant now) {
        Duration longest = null;
        if (quota.dailyAvailable() != null && quota.dailyAvailable() <= 0) {
            Instant until = quota.dailyExpiresAt() != null ? quota.dailyExpiresAt() : nextMidnight(now);
            longest = Duration.between(now, until);
        }
        for (KeapQuota.Window window : concat(quota)) {
            if (window.available() != null && window.available() <= 0 && window.length() != null) {
                Duration wait = window.isDaily() ? Duration.between(now, nextMidnight(now)) : window.length();
                longest = longest == null || wait.compareTo(longest) > 0 ? wait : longest;
            }
        }
        return Optional.ofNullable(longest).filter(wait -> !wait.isNegative() && !wait.isZero());
    }

    private boolean tighterThan(KeapGate other) {
        // available/limit < other.available/other.limit, without division
        return available * other.limit < other.available * limit;
    }

    private static List<KeapQuota.Window> concat(KeapQuota quota) {
        List<KeapQuota.Window> all = new ArrayList<>(quota.throttle());
        all.addAll(quota.tenantThrottle());
        return all;
    }

    static Instant nextMidnight(Instant at) {
        return LocalDate.ofInstant(at, ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    }
}
