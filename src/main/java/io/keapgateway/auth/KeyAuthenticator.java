package io.keapgateway.auth;

import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.keapgateway.secret.Hmac;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/** Turns the key a client presented into the key it may act as, or the reason it may not. */
@Singleton // no client proxy: it serves every proxied request (docs/benchmarks.md "What the profile changed")
public class KeyAuthenticator {

    private final KeyLookup lookup;
    private final Hmac pepper;
    private final KeyUsage usage;
    private final Clock clock;

    KeyAuthenticator(KeyLookup lookup, Hmac pepper, KeyUsage usage, Clock clock) {
        this.lookup = lookup;
        this.pepper = pepper;
        this.usage = usage;
        this.clock = clock;
    }

    /**
     * Step one of a request: the key whose secret was presented, whatever its standing. After it the request
     * is known to come from that key's holder (so that a refusal can be shown in the key's activity). A known
     * key whose secret matches is found at once. The store is read (see {@link KeyLookup}) only for an id this
     * replica does not hold, or for a held id whose secret did not match: it may have been rotated on another
     * replica a moment ago, and its new secret works here at its first request.
     *
     * @param presented the key as sent (null when none was sent)
     * @throws GatewayException missing_key or invalid_key (malformed), at once
     * @return the key, or a failure with invalid_key
     */
    public Uni<ActiveKey> holder(String presented) {
        KeyFormat.Presented parts = parse(presented);
        String hash = pepper.hex(parts.secret());
        Optional<ActiveKey> decided = decided(parts.id(), hash);
        if (decided != null) {
            return Uni.createFrom().item(matching(decided, hash));
        }
        return lookup.fromStore(parts.id()).map(found -> {
            if (found.isPresent() && !secretMatches(found.get().record(), hash, clock.instant())) {
                lookup.mismatched(parts.id()); // wrong even as stored: a guess, bounded from now on
            }
            return matching(found, hash);
        });
    }

    /**
     * {@link #holder} when this replica can tell at once (the key is known and its secret matches, or the
     * store was asked a moment ago): the usual case, with no store read and nothing to wait for; null when
     * the store must be read.
     *
     * @throws GatewayException missing_key or invalid_key
     */
    public ActiveKey heldHolder(String presented) {
        KeyFormat.Presented parts = parse(presented);
        String hash = pepper.hex(parts.secret());
        Optional<ActiveKey> decided = decided(parts.id(), hash);
        return decided == null ? null : matching(decided, hash);
    }

    /** What this replica holds for {@code id} and can answer from, or null when the store must be read. */
    private Optional<ActiveKey> decided(String id, String hash) {
        Optional<ActiveKey> known = lookup.known(id);
        if (known != null && known.isPresent() && !secretMatches(known.get().record(), hash, clock.instant())
                && lookup.mayReread(id)) {
            return null;
        }
        return known;
    }

    private static KeyFormat.Presented parse(String presented) {
        if (presented == null || presented.isEmpty()) {
            throw new GatewayException(ErrorCode.MISSING_KEY,
                    "Send your gateway key as 'Authorization: Bearer kgw_…' (or X-Api-Key).");
        }
        return KeyFormat.parse(presented).orElseThrow(KeyAuthenticator::invalid);
    }

    private ActiveKey matching(Optional<ActiveKey> found, String hash) {
        ActiveKey key = found.orElseThrow(KeyAuthenticator::invalid);
        if (!secretMatches(key.record(), hash, clock.instant())) {
            throw invalid();
        }
        return key;
    }

    /**
     * Step two: may the key's holder send this request now. Counts as a use of the key when it may.
     *
     * @param path the decoded request path, without query
     * @param xmlRpcMethod the XML-RPC method called, or null when the request is not an XML-RPC call
     * @throws GatewayException key_revoked, key_expired, ip_denied or scope_denied
     */
    public ActiveKey authorize(ActiveKey key, String method, String path, String xmlRpcMethod, String clientIp) {
        Instant now = clock.instant();
        KeyPolicy.denial(key, method, path, xmlRpcMethod, clientIp, now).ifPresent(denial -> {
            throw denial;
        });
        usage.used(key.id(), now);
        return key;
    }

    /**
     * Identifies the key a client presented, whatever its scopes (for {@code GET /gateway/key}): a valid,
     * unrevoked, unexpired key used from an allowed address. This alone does not count as a use of the key.
     *
     * @throws GatewayException missing_key or invalid_key (malformed), at once
     * @return the key, or a failure with invalid_key, key_revoked, key_expired or ip_denied
     */
    public Uni<ActiveKey> identify(String presented, String clientIp) {
        return holder(presented).map(key -> {
            KeyPolicy.standing(key, clientIp, clock.instant()).ifPresent(denial -> {
                throw denial;
            });
            return key;
        });
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
