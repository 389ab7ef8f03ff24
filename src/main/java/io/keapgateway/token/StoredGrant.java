package io.keapgateway.token;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;

/**
 * A {@link Grant} as kept in the store (the version is the store's): both tokens sealed with the encryption
 * key, each bound to its connection and its kind, so a sealed value cannot be moved to another record.
 */
@RegisterForReflection
record StoredGrant(GrantState state, String sealedAccessToken, String sealedRefreshToken,
        Instant accessTokenExpiresAt, Instant refreshedAt, String tenant, String reason) {
}
