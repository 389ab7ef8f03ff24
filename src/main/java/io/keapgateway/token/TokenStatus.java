package io.keapgateway.token;

import java.time.Instant;

/**
 * What the admin API shows of a connection's grant (never a token).
 *
 * @param status           {@code connected}, {@code disconnected} or {@code needs_reauth}
 * @param tenant           the Keap account, e.g. {@code xy123.infusionsoft.com}
 * @param lastRefreshError the last failed refresh since the last successful one, or null
 */
public record TokenStatus(String status, String tenant, Instant accessTokenExpiresAt, Instant lastRefreshAt,
        String lastRefreshError) {
}
