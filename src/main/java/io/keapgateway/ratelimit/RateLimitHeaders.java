package io.keapgateway.ratelimit;

/**
 * Formats {@code RateLimit-Policy} and {@code RateLimit} as structured fields per
 * draft-ietf-httpapi-ratelimit-headers-10: {@code "name";q=<quota>;w=<window s>} and
 * {@code "name";r=<remaining>;t=<seconds until reset>}.
 */
final class RateLimitHeaders {

    static final String POLICY = "RateLimit-Policy";
    static final String RATE_LIMIT = "RateLimit";

    private RateLimitHeaders() {
    }

    static String policy(String name, long quota, long windowSeconds) {
        return '"' + name + "\";q=" + Math.max(0, quota) + ";w=" + Math.max(1, windowSeconds);
    }

    static String rateLimit(String name, long remaining, long resetMillis) {
        return '"' + name + "\";r=" + Math.max(0, remaining) + ";t=" + secondsUp(Math.max(0, resetMillis));
    }

    /** Milliseconds to whole seconds, rounded up (a client waiting that long is never early). */
    static long secondsUp(long millis) {
        return (millis + 999) / 1000;
    }
}
