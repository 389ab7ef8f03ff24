package io.keapgateway.ratelimit;

import io.keapgateway.error.ErrorCode;
import java.time.Duration;

/**
 * A decision as the script (or the local limiter) computes it, before it becomes headers.
 *
 * @param allowed whether the request passes
 * @param limit the limit that decided a denial, or the tightest one when allowed: {@code key},
 *     {@code key_daily}, {@code connection}, {@code connection_daily} or {@code keap}
 * @param denial null when allowed
 * @param retryMillis how long until the request could pass
 * @param quota that limit's quota (requests per window)
 * @param windowSeconds that limit's window
 * @param remaining requests left in it after this one
 * @param resetMillis time until it is full again (or, when denied, until the request could pass)
 */
record Verdict(
        boolean allowed,
        String limit,
        ErrorCode denial,
        long retryMillis,
        long quota,
        long windowSeconds,
        long remaining,
        long resetMillis) {

    Decision toDecision() {
        return new Decision(
                allowed,
                denial,
                Duration.ofMillis(allowed ? 0 : Math.max(0, retryMillis)),
                new Decision.Limit(limit, quota, windowSeconds, remaining, resetMillis));
    }

    /** Maps the script's {@code rate_limited}/{@code quota_exhausted}; anything else is not a denial. */
    static ErrorCode denialCode(String code) {
        return switch (code) {
            case "rate_limited" -> ErrorCode.RATE_LIMITED;
            case "quota_exhausted" -> ErrorCode.QUOTA_EXHAUSTED;
            default -> null;
        };
    }
}
