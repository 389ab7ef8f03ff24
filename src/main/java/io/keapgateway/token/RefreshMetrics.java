package io.keapgateway.token;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Counts token refreshes by outcome, as {@code keap_gateway_token_refreshes_total{connection, outcome}}:
 * {@code success}, {@code needs_reauth} (Keap refused the grant) or {@code failed} (Keap unreachable,
 * throttled or refusing the client; the gateway tries again). Refreshes are rare, so each count looks its
 * counter up in the registry, which answers the same counter for the same tags.
 */
@ApplicationScoped
class RefreshMetrics {

    private final MeterRegistry registry;

    RefreshMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void count(String connection, String outcome) {
        Counter.builder("keap_gateway_token_refreshes")
                .description("OAuth token refreshes by outcome: success, needs_reauth or failed")
                .tags("connection", connection, "outcome", outcome)
                .register(registry)
                .increment();
    }
}
