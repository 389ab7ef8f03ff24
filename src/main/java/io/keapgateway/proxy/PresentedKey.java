package io.keapgateway.proxy;

import io.vertx.core.MultiMap;

/**
 * Where a client's gateway key is found, in order: {@code Authorization: Bearer}, {@code X-Api-Key},
 * {@code X-Keap-API-Key} (what Keap SDKs send), then the {@code access_token} query parameter (old SDKs).
 */
final class PresentedKey {

    private PresentedKey() {
    }

    /** The key the client presented, or null if it sent none. */
    static String find(MultiMap headers, RequestTarget target) {
        String authorization = headers.get("Authorization");
        if (authorization != null) {
            return authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).trim() : authorization;
        }
        String apiKey = headers.get("X-Api-Key");
        if (apiKey != null) {
            return apiKey.trim();
        }
        String keapKey = headers.get("X-Keap-API-Key");
        if (keapKey != null) {
            return keapKey.trim();
        }
        return target.accessToken();
    }
}
