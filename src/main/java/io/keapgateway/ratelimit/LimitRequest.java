package io.keapgateway.ratelimit;

/**
 * One proxied request, as far as limits are concerned.
 *
 * @param keyId the gateway key's id (never its secret)
 * @param connection the Keap connection the request is sent through
 * @param apiKeyConnection true when the connection uses a Keap api key (SAK/PAT): lower default pacing
 * @param keyRatePerSecond the key's own rate in requests per second; null takes the configured default
 * @param keyBurst the key's own burst in requests; null takes the configured default
 * @param keyDailyQuota the key's requests per UTC day; null means no daily quota
 * @param highPriority true for keys with priority {@code high}: they still pass when Keap's day quota is
 *     below 10%
 */
public record LimitRequest(
        String keyId,
        String connection,
        boolean apiKeyConnection,
        Integer keyRatePerSecond,
        Integer keyBurst,
        Long keyDailyQuota,
        boolean highPriority) {

    public LimitRequest {
        if (keyId == null || keyId.isEmpty() || connection == null || connection.isEmpty()) {
            throw new IllegalArgumentException("a limit request needs a key id and a connection");
        }
    }
}
