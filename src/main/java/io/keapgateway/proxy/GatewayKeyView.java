package io.keapgateway.proxy;

import io.keapgateway.auth.KeyRecord;
import io.keapgateway.auth.Scopes;
import io.keapgateway.config.GatewayConfig;
import io.keapgateway.ratelimit.Usage;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.util.List;

/**
 * What {@code GET /gateway/key} shows a client about its own key: never its secret or hash.
 *
 * @param scopes the scopes as the operator gave them (presets by name)
 * @param expandedScopes what they stand for, as the gateway checks them
 * @param usage today's (UTC) requests and denials
 * @param expiresAt null when the key does not expire
 */
@RegisterForReflection
record GatewayKeyView(String id, String name, String connection, List<String> scopes, List<String> expandedScopes,
        Limits limits, Usage usage, Instant expiresAt) {

    /** The key's limits as enforced: its own rate, or the configured default where it sets none. */
    @RegisterForReflection
    record Limits(KeyRecord.Rate rate, Long dailyQuota, KeyRecord.Priority priority) {
    }

    static GatewayKeyView of(KeyRecord key, Usage usage, GatewayConfig.Limits.Key defaults) {
        KeyRecord.Rate rate = key.rate();
        int perSecond = rate == null || rate.perSecond() == null ? defaults.rate() : rate.perSecond();
        int burst = rate == null || rate.burst() == null ? defaults.burst() : rate.burst();
        return new GatewayKeyView(key.id(), key.name(), key.connection(), key.scopes(), Scopes.expand(key.scopes()),
                new Limits(new KeyRecord.Rate(perSecond, burst), key.dailyQuota(), key.priority()), usage,
                key.expiresAt());
    }
}
