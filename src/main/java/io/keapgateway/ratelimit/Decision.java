package io.keapgateway.ratelimit;

import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import java.time.Duration;
import java.util.Map;

/**
 * The limiter's answer for one request.
 *
 * @param allowed whether the request may be forwarded
 * @param denial {@link ErrorCode#RATE_LIMITED} or {@link ErrorCode#QUOTA_EXHAUSTED}; null when allowed
 * @param retryAfter how long until the request could pass; zero when allowed
 * @param policyHeader the {@code RateLimit-Policy} value for the tightest limit, e.g. {@code "key";q=20;w=2}
 * @param rateLimitHeader the {@code RateLimit} value for that limit, e.g. {@code "key";r=17;t=1}
 */
public record Decision(
        boolean allowed, ErrorCode denial, Duration retryAfter, String policyHeader, String rateLimitHeader) {

    public Decision {
        if (allowed != (denial == null)) {
            throw new IllegalArgumentException("a denial code goes with, and only with, a denied decision");
        }
    }

    /**
     * The 429 to answer for a denied request: {@code Retry-After} in whole seconds (rounded up, at least 1),
     * {@code RateLimit-Policy} and {@code RateLimit}, and a detail naming the limit.
     */
    public GatewayException toException() {
        if (allowed) {
            throw new IllegalStateException("an allowed request has no error");
        }
        long seconds = Math.max(1, RateLimitHeaders.secondsUp(retryAfter.toMillis()));
        Map<String, String> headers = Map.of(
                "Retry-After", Long.toString(seconds),
                RateLimitHeaders.POLICY, policyHeader,
                RateLimitHeaders.RATE_LIMIT, rateLimitHeader);
        return new GatewayException(denial, detail(RateLimitHeaders.limitName(policyHeader)), headers);
    }

    // Names the limit in words a client can act on; never the key id or anything secret.
    private String detail(String limit) {
        return switch (limit) {
            case "key" -> "This key's request rate limit is reached.";
            case "key_daily" -> "This key's daily quota is used up; it resets at 00:00 UTC.";
            case "connection" -> "The Keap account's shared request rate limit is reached.";
            case "connection_daily" -> "The Keap account's daily request budget is used up; it resets at 00:00 UTC.";
            case "keap" -> denial == ErrorCode.RATE_LIMITED
                    ? "Keap is throttling this Keap account; no requests are sent until its window allows."
                    : "Keap reports the account's daily quota as exhausted, or below 10% (then only high-priority"
                            + " keys pass).";
            default -> "A rate limit is reached.";
        };
    }
}
