package io.keapgateway.telemetry;

/**
 * What one proxied request has revealed so far, for its access line and its metrics: one small object per
 * request, filled in as the pipeline learns the key, the connection and Keap's answer time.
 */
public final class ProxyExchange {

    final String requestId;
    final String method;
    final int family;
    final long startNanos;
    String keyId = ProxyMetrics.NONE;
    String connection = ProxyMetrics.NONE;
    private long upstreamStartNanos;
    /** Time until Keap's response headers (or the failure to get them), or -1 when Keap was not called. */
    long upstreamNanos = -1;

    ProxyExchange(String requestId, String method, int family, long startNanos) {
        this.requestId = requestId;
        this.method = method;
        this.family = family;
        this.startNanos = startNanos;
    }

    /** The request's key is authenticated; it goes to {@code connection}. */
    public void identified(String keyId, String connection) {
        this.keyId = keyId;
        this.connection = connection;
    }

    /** The request is about to be sent to Keap. */
    public void sendingUpstream() {
        upstreamStartNanos = System.nanoTime();
    }

    /** The milliseconds Keap took to answer (its response head), or null when Keap was not called (yet). */
    public Long upstreamMillis() {
        return upstreamNanos < 0 ? null : upstreamNanos / 1_000_000;
    }

    long upstreamEnded() {
        upstreamNanos = System.nanoTime() - upstreamStartNanos;
        return upstreamNanos;
    }
}
