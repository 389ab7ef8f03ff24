package io.keapgateway.token;

import io.keapgateway.config.GatewayConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The floor on refreshes a 401 triggers: Keap rejecting an access token younger than
 * {@code rejection-refresh-floor} (an app deactivated, access revoked, Keap replicating a rotation) is not
 * refreshed again, or a run of 401s would rotate the grant on every request. Each such 401 is counted in
 * the metric {@value #METRIC}; once per floor window and connection it is logged and shown as the
 * connection's {@code last_refresh_error}.
 */
@ApplicationScoped
class YoungTokenRejections {

    /** Counts 401s of Keap passed on without a refresh, by connection. */
    static final String METRIC = "keap_gateway.oauth.young_token_rejections";
    private static final Logger LOG = Logger.getLogger(YoungTokenRejections.class);

    private final GrantVault vault;
    private final MeterRegistry registry;
    private final Clock clock;
    private final Duration floor;
    private final ConcurrentHashMap<String, Instant> lastReported = new ConcurrentHashMap<>();

    YoungTokenRejections(GrantVault vault, MeterRegistry registry, Clock clock, GatewayConfig config) {
        this.vault = vault;
        this.registry = registry;
        this.clock = clock;
        this.floor = config.oauth().rejectionRefreshFloor();
    }

    /** Whether the access token of {@code grant} is too young to be refreshed because of a 401. */
    boolean tooYoung(Grant grant, Instant now) {
        return now.isBefore(grant.refreshedAt().plus(floor));
    }

    /** Counts one 401 passed on; logs it and records it once per window. Called on the event loop. */
    void report(String connection) {
        Counter.builder(METRIC).tag("connection", connection)
                .description("401s of Keap for an access token too young to be refreshed, passed on to the client")
                .register(registry).increment();
        Instant now = clock.instant();
        Instant last = lastReported.get(connection);
        if (last != null && now.isBefore(last.plus(floor))
                || !(last == null ? lastReported.putIfAbsent(connection, now) == null
                        : lastReported.replace(connection, last, now))) {
            return; // reported within this window already (or by a concurrent caller just now)
        }
        String why = "Keap answered 401 for an access token issued less than " + floor.toSeconds()
                + " s ago; not refreshed again, the 401 was passed on to the client";
        LOG.warnf("Connection %s: %s (counted in %s)", connection, why, METRIC);
        Blocking.run(() -> vault.recordError(connection, why)).subscribe().with(ok -> { }, failure -> { });
    }
}
