package io.keapgateway.auth;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.util.List;

/**
 * A gateway key as stored: its public fields plus the HMAC of its secret (and, during a rotation's grace
 * period, of the previous secret). The secret itself is never stored. {@code maxConcurrent} is the key's
 * own cap on requests in flight per replica (null: {@code keap-gateway.limits.key.max-concurrent}).
 */
@RegisterForReflection
public record KeyRecord(
        String id,
        String name,
        String connection,
        List<String> scopes,
        Rate rate,
        Long dailyQuota,
        Priority priority,
        Instant expiresAt,
        List<String> allowedIps,
        Instant createdAt,
        Instant revokedAt,
        String secretHash,
        String previousSecretHash,
        Instant previousSecretValidUntil,
        Integer maxConcurrent) {

    /** A key's own rate limit. */
    @RegisterForReflection
    public record Rate(Integer perSecond, Integer burst) {
    }

    /** Below 10% of Keap's daily quota only {@code high} keys pass. */
    public enum Priority {
        normal, high
    }

    public KeyRecord {
        scopes = scopes == null ? List.of() : List.copyOf(scopes);
        allowedIps = allowedIps == null ? List.of() : List.copyOf(allowedIps);
        priority = priority == null ? Priority.normal : priority;
    }

    /** This record with a new secret; the old one stays valid until {@code graceUntil} (or not at all if null). */
    public KeyRecord withSecret(String newHash, Instant graceUntil) {
        return new KeyRecord(id, name, connection, scopes, rate, dailyQuota, priority, expiresAt, allowedIps,
                createdAt, revokedAt, newHash, graceUntil == null ? null : secretHash, graceUntil, maxConcurrent);
    }

    /** This record, revoked at {@code when}. */
    public KeyRecord revoked(Instant when) {
        return new KeyRecord(id, name, connection, scopes, rate, dailyQuota, priority, expiresAt, allowedIps,
                createdAt, when, secretHash, previousSecretHash, previousSecretValidUntil, maxConcurrent);
    }
}
