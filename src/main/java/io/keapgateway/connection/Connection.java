package io.keapgateway.connection;

/**
 * A connection as held in memory, its secrets opened. {@code toString} never shows a secret.
 */
public record Connection(String name, Mode mode, String clientId, String clientSecret, String apiKey) {

    @Override
    public String toString() {
        return "Connection[" + name + ", " + mode + "]";
    }
}
