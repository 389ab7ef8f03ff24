package io.keapgateway.token;

import io.keapgateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;

/**
 * When a grant needs refreshing (KEAP-API-FACTS summary item 2). Expired: requests wait for a new token.
 * Due: refreshed in the background while the current token is still used.
 */
@ApplicationScoped
class RefreshPolicy {

    /** A token is treated as expired this long before Keap's expiry: clock skew plus a request's transit. */
    static final Duration EXPIRY_SKEW = Duration.ofSeconds(30);

    private final Duration margin;
    private final Duration maxGrantAge;

    @Inject
    RefreshPolicy(GatewayConfig config) {
        this(config.oauth().refreshMargin(), config.oauth().maxGrantAge());
    }

    RefreshPolicy(Duration margin, Duration maxGrantAge) {
        this.margin = margin;
        this.maxGrantAge = maxGrantAge;
    }

    /** The access token must not be sent any more. */
    boolean expired(Grant grant, Instant now) {
        return !now.isBefore(grant.accessTokenExpiresAt().minus(EXPIRY_SKEW));
    }

    /** Within the refresh margin of expiry, or the grant is old enough that an idle one could age out. */
    boolean due(Grant grant, Instant now) {
        return expired(grant, now)
                || !now.isBefore(grant.accessTokenExpiresAt().minus(margin))
                || !now.isBefore(grant.refreshedAt().plus(maxGrantAge));
    }
}
