package io.keapgateway.auth;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A gateway key as stored: its public fields plus the HMAC of its secret (and, during a rotation's grace
 * period, of the previous secret). The secret itself is never stored. {@code version} grows by one with
 * every change (0 in documents written before keys had versions): writes are compare-and-set on it, and
 * after a store loss the newer of two copies wins. {@code maxConcurrent} is the key's own cap on requests in flight per replica (null: {@code keap-gateway.limits.key.max-concurrent}).
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
        Integer maxConcurrent,
        long version) {

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
                createdAt, revokedAt, newHash, graceUntil == null ? null : secretHash, graceUntil, maxConcurrent, version);
    }

    /** This record, revoked at {@code when}. */
    public KeyRecord revoked(Instant when) {
        return new KeyRecord(id, name, connection, scopes, rate, dailyQuota, priority, expiresAt, allowedIps,
                createdAt, when, secretHash, previousSecretHash, previousSecretValidUntil, maxConcurrent, version);
    }

    /**
     * What a store that holds {@code stored} should hold once this copy (held by a replica) is written back
     * after the store lost data or failed over: the newer of the two, revoked if either is, since a
     * revocation is never undone. Empty when {@code stored} already is that.
     */
    public Optional<KeyRecord> writeBackOver(KeyRecord stored) {
        if (stored == null) {
            return Optional.of(this);
        }
        KeyRecord newer = version > stored.version ? this : stored;
        KeyRecord older = newer == this ? stored : this;
        if (newer.revokedAt == null && older.revokedAt != null) {
            return Optional.of(newer.revoked(older.revokedAt).withVersion(Math.max(version, stored.version) + 1));
        }
        return newer == stored ? Optional.empty() : Optional.of(newer);
    }

    /** This record at {@code newVersion}. */
    public KeyRecord withVersion(long newVersion) {
        return new KeyRecord(id, name, connection, scopes, rate, dailyQuota, priority, expiresAt, allowedIps,
                createdAt, revokedAt, secretHash, previousSecretHash, previousSecretValidUntil, maxConcurrent, newVersion);
    }
}
