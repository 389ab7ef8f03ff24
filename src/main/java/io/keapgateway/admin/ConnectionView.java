package io.keapgateway.admin;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.keapgateway.ratelimit.KeapQuota;
import java.time.Instant;

/**
/**
 * A connection's status as the admin API shows it; never a token or secret. {@code circuit} is this
 * replica's circuit breaker toward Keap for the connection: {@code closed}, {@code open} or {@code half_open}.
 * {@code redirectUri} (OAuth only) is the callback URL to register in the Keap app.
 */
@RegisterForReflection
record ConnectionView(String name, String mode, String status, String tenant, Instant accessTokenExpiresAt,
        Instant lastRefreshAt, String lastRefreshError, KeapQuota quota, String circuit, String redirectUri) {
}
