package io.keapgateway.notify;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.connection.Connection;
import io.keapgateway.connection.ConnectionRegistry;
import io.keapgateway.connection.Mode;
import io.keapgateway.token.TokenCustody;
import io.keapgateway.token.TokenStatus;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * OAuth grants: one Keap refused ({@code needs_reauth}), and one whose refreshes fail while its token still
 * works (a refresh error since the last success).
 */
@ApplicationScoped
class GrantDetector implements Detector {

    private final ConnectionRegistry connections;
    private final TokenCustody custody;
    private final Duration refreshFailingFor;

    GrantDetector(ConnectionRegistry connections, TokenCustody custody, GatewayConfig config) {
        this.connections = connections;
        this.custody = custody;
        this.refreshFailingFor = config.notifications().refreshFailingFor();
    }

    @Override
    public Set<NotifyEvent> events() {
        return Set.of(NotifyEvent.GRANT_NEEDS_REAUTH, NotifyEvent.REFRESH_FAILING);
    }

    @Override
    public List<Finding> findings(Instant now) {
        List<Finding> found = new ArrayList<>();
        for (Connection connection : connections.all()) {
            if (connection.mode() != Mode.oauth) {
                continue;
            }
            String name = connection.name();
            TokenStatus status = custody.status(name);
            if ("needs_reauth".equals(status.status())) {
                found.add(new Finding(NotifyEvent.GRANT_NEEDS_REAUTH, name, Texts.needsReauth(name)));
            } else if ("connected".equals(status.status()) && status.lastRefreshError() != null) {
                found.add(new Finding(NotifyEvent.REFRESH_FAILING, name, Texts.refreshFailing(name, refreshFailingFor,
                        status.lastRefreshError(), status.accessTokenExpiresAt())));
            }
        }
        return found;
    }
}
