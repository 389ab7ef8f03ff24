package io.keapgateway.error;

import java.util.Map;

/**
 * The one exception type for errors the gateway answers itself. The detail must never contain a token,
 * a key or anything a client did not already know.
 */
public final class GatewayException extends RuntimeException {

    private final ErrorCode code;
    private final int status;
    private final Map<String, String> headers;

    public GatewayException(ErrorCode code, String detail) {
        this(code, detail, Map.of());
    }

    /** An error whose response also carries {@code headers} (e.g. {@code Retry-After}). */
    public GatewayException(ErrorCode code, String detail, Map<String, String> headers) {
        this(code, code.status(), detail, headers);
    }

    /**
     * An error answered with another of the statuses its code allows (e.g. {@code upstream_unavailable} is 502
     * when Keap cannot be reached, 503 when the gateway holds requests back from it).
     */
    public GatewayException(ErrorCode code, int status, String detail, Map<String, String> headers) {
        super(detail, null, false, false); // no stack trace: these are answers, not bugs
        this.code = code;
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    public ErrorCode code() {
        return code;
    }

    /** The HTTP status of the answer: the code's own unless the constructor was given another. */
    public int status() {
        return status;
    }

    public String detail() {
        return getMessage();
    }

    /** Extra response headers. */
    public Map<String, String> headers() {
        return headers;
    }
}
