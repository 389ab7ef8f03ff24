package io.keapgateway.connection;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;

/**
 * A connection (one Keap account) as stored. Secrets are sealed with the encryption key
 * ({@link io.keapgateway.secret.SecretBox}); {@code fingerprint} is an HMAC of the credential so that a
 * change in the environment can be detected without decrypting. {@code version} grows by one with every
 * change (0 in documents written before connections had versions): writes are compare-and-set on it, and
 * after a store loss the newer of two copies wins.
 */
@RegisterForReflection
public record ConnectionRecord(
        String name,
        Mode mode,
        String clientId,
        String sealedClientSecret,
        String sealedApiKey,
        String fingerprint,
        Instant updatedAt,
        long version) {
}
