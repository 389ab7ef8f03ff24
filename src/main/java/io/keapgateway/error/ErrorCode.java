package io.keapgateway.error;

/** Every error the gateway itself answers, with its HTTP status (CONTRACT.md "Errors made by the gateway"). */
public enum ErrorCode {
    MISSING_KEY(401, "Missing gateway key"),
    INVALID_KEY(401, "Invalid gateway key"),
    KEY_EXPIRED(401, "Gateway key expired"),
    KEY_REVOKED(401, "Gateway key revoked"),
    UNAUTHORIZED(401, "Admin token required"),
    SCOPE_DENIED(403, "Outside the key's scopes"),
    IP_DENIED(403, "Client address not allowed for this key"),
    CROSS_ORIGIN(403, "Cross-origin admin call refused"),
    NOT_FOUND(404, "Not found"),
    METHOD_NOT_ALLOWED(405, "Method not allowed"),
    LENGTH_REQUIRED(411, "Length required"),
    PAYLOAD_TOO_LARGE(413, "Request body too large"),
    BAD_REQUEST(400, "Malformed request"),
    VALIDATION_FAILED(422, "Validation failed"),
    CONFLICT(409, "Changed by another request"),
    NOTIFICATIONS_OFF(409, "No notification channel configured"),
    RATE_LIMITED(429, "Rate limited"),
    QUOTA_EXHAUSTED(429, "Quota exhausted"),
    NOT_CONNECTED(503, "Keap account not connected"),
    STORE_UNAVAILABLE(503, "Store unavailable"),
    STORE_UNREADABLE(500, "Stored record unreadable"),
    UPSTREAM_UNAVAILABLE(502, "Keap unreachable"),
    UPSTREAM_TIMEOUT(504, "Keap did not answer in time");

    private final int status;
    private final String title;

    ErrorCode(int status, String title) {
        this.status = status;
        this.title = title;
    }

    /** The HTTP status this error is answered with. */
    public int status() {
        return status;
    }

    /** A short, fixed, human summary. */
    public String title() {
        return title;
    }

    /** The value of the problem's {@code code} member, e.g. {@code missing_key}. */
    public String code() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The problem's {@code type}: a URI reference to the page the gateway itself serves for this code (see
     * {@link ErrorPages}), resolved against the gateway's own address.
     */
    public String type() {
        return ErrorPages.PATH + "/" + code();
    }
}
