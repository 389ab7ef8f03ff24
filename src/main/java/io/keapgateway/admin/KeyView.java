package io.keapgateway.admin;

import io.keapgateway.auth.KeyRecord;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.util.List;

/** A key as the admin API shows it: never its secret or hash, except {@code key} once at creation or rotation. */
@RegisterForReflection
record KeyView(String id, String name, String connection, List<String> scopes, KeyRecord.Rate rate,
        Long dailyQuota, KeyRecord.Priority priority, Instant expiresAt, List<String> allowedIps,
        Instant createdAt, Instant lastUsedAt, Instant revokedAt, Instant previousSecretValidUntil,
        Long requestsToday, Long deniedToday, String key, Integer maxConcurrent) {

    static KeyView of(KeyRecord key, Instant lastUsedAt, Long requestsToday, Long deniedToday, String secretKey) {
        return new KeyView(key.id(), key.name(), key.connection(), key.scopes(), key.rate(), key.dailyQuota(),
                key.priority(), key.expiresAt(), key.allowedIps(), key.createdAt(), lastUsedAt, key.revokedAt(),
                key.previousSecretValidUntil(), requestsToday, deniedToday, secretKey, key.maxConcurrent());
    }
}
