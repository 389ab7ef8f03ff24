package io.keapgateway.keap;

import java.util.Locale;

/**
 * Keap's token endpoint refused a request ({@code {error, error_description}}, KEAP-API-FACTS §1), or could
 * not be reached ({@code status} 0). The message never contains a token: only Keap's error code and
 * description, which name what went wrong, not the credential.
 */
public final class TokenEndpointException extends RuntimeException {

    /** The status of a failure that never got an HTTP answer (connect failure, timeout). */
    public static final int NO_ANSWER = 0;
    /** The {@link #error()} of a call whose connection could not be made: nothing reached Keap. */
    public static final String UNREACHABLE = "unreachable";

    private final int status;
    private final String error;
    private final String description;

    public TokenEndpointException(int status, String error, String description) {
        super(summary(error, description), null, false, false); // an answer from Keap, not a bug: no stack trace
        this.status = status;
        this.error = error;
        this.description = description;
    }

    /** The HTTP status Keap answered, or {@link #NO_ANSWER}. */
    public int status() {
        return status;
    }

    /** Keap's {@code error}, e.g. {@code invalid_grant}; {@code unreachable} or {@code timeout} without an answer. */
    public String error() {
        return error;
    }

    /** Keap's {@code error_description}, possibly empty. */
    public String description() {
        return description;
    }

    /** The refresh token or code is dead: used already, expired, or revoked. Only a new authorization helps. */
    public boolean invalidGrant() {
        return "invalid_grant".equals(error);
    }

    /** Keap does not accept the connection's client id and secret. */
    public boolean invalidClient() {
        return "invalid_client".equals(error);
    }

    /** The redirect URI differs from the one the code was issued for, or is not registered in the Keap app. */
    public boolean redirectUriRejected() {
        return description != null && description.toLowerCase(Locale.ROOT).contains("redirect");
    }

    /**
     * No answer came, but the request may have reached Keap (the connection failed after it was made): Keap
     * may have rotated the refresh token, so its outcome is unknown.
     */
    public boolean outcomeUnknown() {
        return status == NO_ANSWER && !UNREACHABLE.equals(error);
    }

    /** Worth trying again later: no answer, throttled, or a failure on Keap's side. */
    public boolean temporary() {
        return status == NO_ANSWER || status == 429 || status >= 500;
    }

    private static String summary(String error, String description) {
        return description == null || description.isBlank() ? error : error + " (" + description + ")";
    }
}
