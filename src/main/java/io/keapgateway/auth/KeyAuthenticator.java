package io.keapgateway.auth;

import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.keapgateway.secret.Hmac;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;

/**
 * Turns the key a client presented into the key it may act as ({@link #identify}), then says whether it may
 * send the request ({@link #authorize}), or why not.
 */
@ApplicationScoped
public class KeyAuthenticator {

    private final KeyRegistry registry;
    private final Hmac pepper;
    private final KeyUsage usage;
    private final Clock clock;

    KeyAuthenticator(KeyRegistry registry, Hmac pepper, KeyUsage usage, Clock clock) {
        this.registry = registry;
        this.pepper = pepper;
        this.usage = usage;
        this.clock = clock;
    }

    /**
     * Step one of a request: the key whose secret was presented. After it the request is known to come from
     * that key's holder (so that a denial can be shown in the key's activity).
     *
     * @param presented the key as sent (null when none was sent)
     * @throws GatewayException missing_key or invalid_key
     */
    public ActiveKey identify(String presented) {
        if (presented == null || presented.isEmpty()) {
            throw new GatewayException(ErrorCode.MISSING_KEY,
                    "Send your gateway key as 'Authorization: Bearer kgw_…' (or X-Api-Key).");
        }
        var parts = KeyFormat.parse(presented).orElseThrow(KeyAuthenticator::invalid);
        ActiveKey key = registry.find(parts.id()).orElseThrow(KeyAuthenticator::invalid);
        if (!secretMatches(key.record(), pepper.hex(parts.secret()), clock.instant())) {
            throw invalid();
        }
        return key;
    }

    /**
     * Step two: may the identified key send this request now.
     *
     * @param path the decoded request path, without query
     * @param clientIp the caller's address
     * @throws GatewayException key_revoked, key_expired, ip_denied or scope_denied
     */
    public void authorize(ActiveKey key, String method, String path, String clientIp) {
        Instant now = clock.instant();
        KeyPolicy.denial(key, method, path, clientIp, now).ifPresent(denial -> {
            throw denial;
        });
        usage.used(key.id(), now);
    }

    /** Compares with both the current and (during a rotation's grace) the previous secret, in constant time. */
    private static boolean secretMatches(KeyRecord record, String hash, Instant now) {
        boolean current = Hmac.constantTimeEquals(hash, record.secretHash());
        boolean previous = record.previousSecretHash() != null
                && Hmac.constantTimeEquals(hash, record.previousSecretHash())
                && record.previousSecretValidUntil() != null
                && record.previousSecretValidUntil().isAfter(now);
        return current | previous;
    }

    private static GatewayException invalid() {
        return new GatewayException(ErrorCode.INVALID_KEY, "The gateway key is not valid.");
    }
}
