package io.keapgateway.ratelimit;

import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The limiter's answer for one request. Allowed or denied, it becomes headers here and only here
 * ({@link #headers()}), so the limit's name travels as data, never through a formatted header.
 *
 * @param allowed whether the request may be forwarded
 * @param denial {@link ErrorCode#RATE_LIMITED} or {@link ErrorCode#QUOTA_EXHAUSTED}; null when allowed
 * @param retryAfter how long until the request could pass; zero when allowed
 * @param limit the limit that decided a denial, or the tightest one when allowed; null when limits are off
 */
public record Decision(boolean allowed, ErrorCode denial, Duration retryAfter, Limit limit) {

    /** The decision when limits are switched off: allowed, with no limit to announce. */
    public static final Decision UNLIMITED = new Decision(true, null, Duration.ZERO, null);

    /**
     * One limit as the headers announce it.
     *
     * @param name {@code key}, {@code key_daily}, {@code connection}, {@code connection_daily} or {@code keap}
     * @param quota requests per window
     * @param windowSeconds the window
     * @param remaining requests left in it after this one
     * @param resetMillis time until it is full again (or, when denied, until the request could pass)
     */
    public record Limit(String name, long quota, long windowSeconds, long remaining, long resetMillis) {
    }

    public Decision {
        if (allowed != (denial == null)) {
            throw new IllegalArgumentException("a denial code goes with, and only with, a denied decision");
        }
        if (!allowed && limit == null) {
            throw new IllegalArgumentException("a denial names its limit");
        }
    }

    /** The name of the limit that decided, or null when limits are off. */
    public String limitName() {
        return limit == null ? null : limit.name();
    }

    /** {@code RateLimit-Policy}, e.g. {@code "key";q=20;w=2}; null when limits are off. */
    public String policyHeader() {
        return limit == null ? null : RateLimitHeaders.policy(limit.name(), limit.quota(), limit.windowSeconds());
    }

    /** {@code RateLimit}, e.g. {@code "key";r=17;t=1}; null when limits are off. */
    public String rateLimitHeader() {
        return limit == null ? null : RateLimitHeaders.rateLimit(limit.name(), limit.remaining(), limit.resetMillis());
    }

    /**
     * The headers of the answer: {@code RateLimit-Policy} and {@code RateLimit} (none when limits are off),
     * and for a denial {@code Retry-After} in whole seconds (rounded up, at least 1).
     */
    public Map<String, String> headers() {
        if (limit == null) {
            return Map.of();
        }
        Map<String, String> headers = new HashMap<>(4);
        headers.put(RateLimitHeaders.POLICY, policyHeader());
        headers.put(RateLimitHeaders.RATE_LIMIT, rateLimitHeader());
        if (!allowed) {
            headers.put("Retry-After", Long.toString(Math.max(1, RateLimitHeaders.secondsUp(retryAfter.toMillis()))));
        }
        return headers;
    }

    /** The 429 to answer for a denied request: its {@link #headers()} and a detail naming the limit. */
    public GatewayException toException() {
        if (allowed) {
            throw new IllegalStateException("an allowed request has no error");
        }
        return new GatewayException(denial, detail(limit.name()), headers());
    }

    // Names the limit in words a client can act on; never the key id or anything secret.
    private String detail(String name) {
        return switch (name) {
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
