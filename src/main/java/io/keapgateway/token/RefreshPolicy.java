package io.keapgateway.token;

import io.keapgateway.config.GatewayConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;

/**
 * When a grant needs refreshing (KEAP-API-FACTS summary item 2). Expired: requests wait for a new token.
 * Due: refreshed in the background while the current token is still used.
 *
 * <p>Both margins are relative to the token's lifetime as Keap gave it, since Keap decides it: a margin at
 * or above the lifetime would make every token due the moment it is issued, and every replica refresh on
 * every request (issue 23: 6,288 refreshes in 8 minutes for a 30 s lifetime). And whatever Keap answers, a
 * grant is not due again within {@code min-refresh-interval} of its last refresh; the grant's refresh time is
 * stored with it, so this holds across replicas. Only a 401 for the very token ({@link Need#rejected}, bounded
 * by {@code rejection-refresh-floor}) or an operator may refresh sooner.
 */
@ApplicationScoped
class RefreshPolicy {

    /** The largest share of a token's lifetime the expiry skew may take: the rest is used. */
    static final int SKEW_SHARE = 4;
    /** The largest share of a token's lifetime the refresh margin may take. */
    static final int MARGIN_SHARE = 2;

    private final Duration skew;
    private final Duration margin;
    private final Duration minInterval;
    private final Duration maxGrantAge;

    @Inject
    RefreshPolicy(GatewayConfig config) {
        this(config.oauth().expirySkew(), config.oauth().refreshMargin(), config.oauth().minRefreshInterval(),
                config.oauth().maxGrantAge());
    }

    RefreshPolicy(Duration skew, Duration margin, Duration minInterval, Duration maxGrantAge) {
        require(!skew.isNegative(), "keap-gateway.oauth.expiry-skew must not be negative: " + skew);
        require(!margin.isNegative(), "keap-gateway.oauth.refresh-margin must not be negative: " + margin);
        require(!minInterval.isNegative() && !minInterval.isZero(), "keap-gateway.oauth.min-refresh-interval must be positive: " + minInterval);
        require(maxGrantAge.compareTo(minInterval) > 0,
                "keap-gateway.oauth.max-grant-age must be longer than min-refresh-interval: " + maxGrantAge);
        this.skew = skew;
        this.margin = margin;
        this.minInterval = minInterval;
        this.maxGrantAge = maxGrantAge;
    }

    /** Built at start-up, so that a setting out of range stops the replica before it serves. */
    void validateAtStartup(@Observes StartupEvent event) {
        // the constructor checked the settings
    }

    /** The access token must not be sent any more. */
    boolean expired(Grant grant, Instant now) {
        return !now.isBefore(grant.accessTokenExpiresAt().minus(share(grant, skew, SKEW_SHARE)));
    }

    /**
     * Refreshed within {@code min-refresh-interval}: never due. Otherwise due when within the refresh margin of
     * expiry, or old enough that an idle grant could age out.
     */
    boolean due(Grant grant, Instant now) {
        if (now.isBefore(grant.refreshedAt().plus(minInterval))) {
            return false;
        }
        return expired(grant, now)
                || !now.isBefore(grant.accessTokenExpiresAt().minus(share(grant, margin, MARGIN_SHARE)))
                || !now.isBefore(grant.refreshedAt().plus(maxGrantAge));
    }

    /** {@code configured}, or {@code 1/share} of the token's lifetime if that is shorter. */
    private static Duration share(Grant grant, Duration configured, int share) {
        Duration lifetime = Duration.between(grant.refreshedAt(), grant.accessTokenExpiresAt());
        Duration part = lifetime.isNegative() ? Duration.ZERO : lifetime.dividedBy(share);
        return part.compareTo(configured) < 0 ? part : configured;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
