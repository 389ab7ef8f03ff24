package io.keapgateway.proxy;

import io.vertx.core.MultiMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which headers cross the gateway. Hop-by-hop headers (RFC 9110 §7.6.1) and every header the
 * {@code Connection} header names stop at the gateway in both directions; towards Keap the client's own
 * credentials and cookies are dropped too, and so are the headers that claim where the request came from or
 * which method it "really" is (Keap must not believe a client's {@code X-Forwarded-For}, nor turn a POST
 * into a DELETE); {@code Host} and the framing headers are set by the proxy. Towards the client, Keap's
 * {@code Content-Security-Policy} and {@code X-Content-Type-Options} give way to the gateway's own.
 */
final class HeaderHygiene {

    /** Hop-by-hop headers, lower case. */
    static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade");

    /** Where a client may present its gateway key, and its cookies: never sent to Keap. */
    static final Set<String> CLIENT_CREDENTIALS = Set.of("authorization", "x-api-key", "x-keap-api-key", "cookie");

    /**
     * Forwarding claims and method overrides, lower case; every {@code x-forwarded-*} header too (see
     * {@link #FORWARDED_PREFIX}).
     */
    static final Set<String> CLIENT_CLAIMS = Set.of("forwarded", "x-real-ip", "x-http-method-override",
            "x-http-method", "x-method-override");

    /** {@code X-Forwarded-For}, {@code -Host}, {@code -Proto}, {@code -Port}, {@code -Prefix}, ... */
    static final String FORWARDED_PREFIX = "x-forwarded-";

    /** Set by the proxy itself. */
    private static final Set<String> PROXY_SET = Set.of("host", "content-length", "expect", "x-request-id");

    /**
     * Set on every answer of a proxy path by the gateway itself ({@link RequestGuard}, {@link Forwarder#asData}):
     * Keap's own copies never reach the client, so that its answers stay data whatever Keap sends.
     */
    private static final Set<String> GATEWAY_SET = Set.of("content-security-policy", "x-content-type-options");

    private HeaderHygiene() {
    }

    /** The client's headers as they may be sent to Keap (without credential, host or framing). */
    static MultiMap towardsKeap(MultiMap client) {
        return copyExcept(client, namedInConnection(client), true);
    }

    /** Keap's response headers as they may be sent to the client (framing is set by the proxy). */
    static MultiMap towardsClient(MultiMap keap) {
        return copyExcept(keap, namedInConnection(keap), false);
    }

    private static MultiMap copyExcept(MultiMap headers, Set<String> named, boolean towardsKeap) {
        MultiMap copy = MultiMap.caseInsensitiveMultiMap();
        for (Map.Entry<String, String> header : headers) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            boolean dropped = HOP_BY_HOP.contains(name) || named.contains(name)
                    || (towardsKeap && (CLIENT_CREDENTIALS.contains(name) || PROXY_SET.contains(name)
                            || CLIENT_CLAIMS.contains(name) || name.startsWith(FORWARDED_PREFIX)))
                    || (!towardsKeap && GATEWAY_SET.contains(name));
            if (!dropped) {
                copy.add(header.getKey(), header.getValue());
            }
        }
        return copy;
    }

    /** The headers named in {@code Connection}: usually none, so usually no set is built. */
    private static Set<String> namedInConnection(MultiMap headers) {
        List<String> values = headers.getAll("connection");
        if (values.isEmpty()) {
            return Set.of();
        }
        Set<String> named = new HashSet<>();
        for (String value : values) {
            for (String token : value.split(",")) {
                if (!token.isBlank()) {
                    named.add(token.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        return named;
    }
}
