package io.keapgateway.admin;

import io.keapgateway.connection.Connection;
import io.keapgateway.connection.Mode;
import io.keapgateway.ratelimit.KeapQuota;
import io.keapgateway.ratelimit.RateLimiter;
import io.keapgateway.resilience.UpstreamGuards;
import io.keapgateway.token.OAuthStates;
import io.keapgateway.token.TokenCustody;
import io.keapgateway.token.TokenStatus;
import jakarta.enterprise.context.ApplicationScoped;

/** Builds a connection's status from what custody and the limiter know of it. */
@ApplicationScoped
class ConnectionStatuses {

    private final TokenCustody custody;
    private final RateLimiter limiter;
    private final UpstreamGuards guards;
    private final OAuthStates states;

    ConnectionStatuses(TokenCustody custody, RateLimiter limiter, UpstreamGuards guards, OAuthStates states) {
        this.custody = custody;
        this.limiter = limiter;
        this.guards = guards;
        this.states = states;
    }

    ConnectionView of(Connection connection) {
        KeapQuota quota = limiter.lastReportedQuota(connection.name()).orElse(null);
        if (connection.mode() == Mode.oauth) {
            TokenStatus tokens = custody.status(connection.name());
            return new ConnectionView(connection.name(), connection.mode().name(), tokens.status(), tokens.tenant(),
                    tokens.accessTokenExpiresAt(), tokens.lastRefreshAt(), tokens.lastRefreshError(), quota,
                    guards.circuitState(connection.name()), states.redirectUri());
        }
        boolean usable = connection.apiKey() != null;
        // An api key names no tenant; Keap's x-keap-tenant-id header does, once a call has been made.
        return new ConnectionView(connection.name(), connection.mode().name(), usable ? "connected" : "disconnected",
                quota == null ? null : quota.tenantId(), null, null, null, quota, guards.circuitState(connection.name()),
                null);
    }
}
