package io.keapgateway.connection;

/** The header that authenticates a request to Keap. {@code toString} never shows the value. */
public record Credential(String header, String value) {

    /** A Keap Service Account Key or PAT. */
    public static Credential apiKey(String key) {
        return new Credential("X-Keap-API-Key", key);
    }

    /** An OAuth access token. */
    public static Credential bearer(String accessToken) {
        return new Credential("Authorization", "Bearer " + accessToken);
    }

    @Override
    public String toString() {
        return "Credential[" + header + ": ****]";
    }
}
