package io.keapgateway.error;

import java.util.Map;

/**
 * The one exception type for errors the gateway answers itself. The detail must never contain a token,
 * a key or anything a client did not already know.
 */
public final class GatewayException extends RuntimeException {

    private final ErrorCode code;
    private final Map<String, String> headers;

    public GatewayException(ErrorCode code, String detail) {
        this(code, detail, Map.of());
    }

    /** An error whose response also carries {@code headers} (e.g. {@code Retry-After}). */
    public GatewayException(ErrorCode code, String detail, Map<String, String> headers) {
        super(detail, null, false, false); // no stack trace: these are answers, not bugs
        this.code = code;
        this.headers = Map.copyOf(headers);
    }

    public ErrorCode code() {
        return code;
    }

    public String detail() {
        return getMessage();
    }

    /** Extra response headers. */
    public Map<String, String> headers() {
        return headers;
    }
}
