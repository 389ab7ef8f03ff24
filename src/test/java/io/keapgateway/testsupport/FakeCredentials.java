package io.keapgateway.testsupport;

import com.sun.net.httpserver.Headers;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Everything Keap knows about who may call it: Service Account Keys, registered OAuth apps,
 * authorization codes, and the access/refresh tokens it issued. All methods are synchronized, which is
 * also what makes refresh-token rotation atomic: of two concurrent refreshes with one token, exactly
 * one wins (KEAP-API-FACTS §1, "Rotation").
 */
final class FakeCredentials {

    static final Duration DEFAULT_ACCESS_TOKEN_LIFETIME = Duration.ofHours(24);
    static final String DEFAULT_TENANT = "xy123.infusionsoft.com";

    /** Apigee's 401 error codes (KEAP-API-FACTS §1, end). */
    static final String NO_CREDENTIAL = "oauth.v2.InvalidAccessToken";
    static final String INVALID_CREDENTIAL = "keymanagement.service.invalid_access_token";
    static final String EXPIRED_CREDENTIAL = "keymanagement.service.access_token_expired";

    enum Kind { OAUTH, API_KEY }

    /** Who a request is billed to: the OAuth client id, or the key itself. */
    record Principal(Kind kind, String id) {}

    /** Either a principal or the Apigee errorcode explaining why there is none. */
    record Auth(Principal principal, String errorcode) {}

    /** A token endpoint refusal, with Keap's status and {@code error}/{@code error_description}. */
    static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;

        final int status;
        final String error;
        final String description;

        Rejected(int status, String error, String description) {
            super(error + ": " + description, null, false, false);
            this.status = status;
            this.error = error;
            this.description = description;
        }
    }

    /** What a successful grant returns. */
    record Grant(String accessToken, String refreshToken, long expiresIn, String scope) {}

    private record AccessToken(String clientId, Instant expiresAt) {}

    private record AuthCode(String clientId, String redirectUri) {}

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHANUMERIC =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private final Set<String> apiKeys = new HashSet<>();
    private final Map<String, String> apps = new HashMap<>();
    private final Map<String, AccessToken> accessTokens = new HashMap<>();
    /** Only live refresh tokens are here: a used one is removed, which is what makes it single-use. */
    private final Map<String, String> refreshTokens = new HashMap<>();
    private final Map<String, AuthCode> codes = new HashMap<>();
    /** How often each refresh token was presented to {@code /token}, live or dead. */
    private final Map<String, Integer> refreshUses = new HashMap<>();
    private final java.util.List<FakeKeap.Reuse> reuses = new java.util.ArrayList<>();
    private final java.util.Set<String> undelivered = new java.util.HashSet<>();
    private String latestRefreshToken;
    private Duration accessTokenLifetime = DEFAULT_ACCESS_TOKEN_LIFETIME;
    private String tenant = DEFAULT_TENANT;

    synchronized void acceptApiKey(String key) {
        apiKeys.add(requireText(key, "key"));
    }

    synchronized void registerApp(String clientId, String clientSecret) {
        apps.put(requireText(clientId, "clientId"), requireText(clientSecret, "clientSecret"));
    }

    synchronized boolean isApp(String clientId) {
        return apps.containsKey(clientId);
    }

    synchronized String tenant() {
        return tenant;
    }

    synchronized void setTenant(String tenant) {
        this.tenant = requireText(tenant, "tenant");
    }

    synchronized Duration accessTokenLifetime() {
        return accessTokenLifetime;
    }

    synchronized void setAccessTokenLifetime(Duration lifetime) {
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("lifetime must be positive: " + lifetime);
        }
        accessTokenLifetime = lifetime;
    }

    /**
     * Resolves the credential of an API call. {@code X-Keap-API-Key} wins when both are sent. A key is
     * also accepted as {@code Bearer}, because Keap's own v2 samples send it that way (KEAP-API-FACTS §5).
     * {@code ?access_token=} is deliberately not honoured: a gateway must never rely on it.
     */
    synchronized Auth authenticate(Headers headers) {
        String key = headers.getFirst("X-Keap-API-Key");
        if (key != null && !key.isBlank()) {
            return apiKeys.contains(key.trim()) ? ok(Kind.API_KEY, key.trim()) : new Auth(null, INVALID_CREDENTIAL);
        }
        String authorization = headers.getFirst("Authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return new Auth(null, NO_CREDENTIAL);
        }
        String token = authorization.substring(7).trim();
        if (apiKeys.contains(token)) {
            return ok(Kind.API_KEY, token);
        }
        AccessToken access = accessTokens.get(token);
        if (access == null) {
            return new Auth(null, INVALID_CREDENTIAL);
        }
        if (!Instant.now().isBefore(access.expiresAt())) {
            return new Auth(null, EXPIRED_CREDENTIAL);
        }
        return ok(Kind.OAUTH, access.clientId());
    }

    synchronized void expireAccessTokens() {
        Instant past = Instant.now().minusSeconds(1);
        accessTokens.replaceAll((token, access) -> new AccessToken(access.clientId(), past));
    }

    synchronized String issueAuthorizationCode(String clientId, String redirectUri) {
        requireApp(clientId);
        String code = randomToken(24);
        codes.put(code, new AuthCode(clientId, requireText(redirectUri, "redirectUri")));
        return code;
    }

    /** A refresh token for an existing grant, as if the app had been authorized earlier. */
    synchronized String seedGrant(String clientId) {
        requireApp(clientId);
        return newRefreshToken(clientId);
    }

    /** The most recently issued refresh token while it is still unused, else {@code null}. */
    synchronized String currentRefreshToken() {
        return latestRefreshToken != null && refreshTokens.containsKey(latestRefreshToken) ? latestRefreshToken : null;
    }

    synchronized void checkClient(String clientId, String clientSecret) throws Rejected {
        String secret = clientId == null ? null : apps.get(clientId);
        if (secret == null || !secret.equals(clientSecret)) {
            throw new Rejected(401, "invalid_client", "Invalid client credentials");
        }
    }

    /**
     * The code is consumed only by a successful exchange; a failed attempt (wrong redirect_uri) leaves
     * it usable, since Keap does not document otherwise and that is the less surprising choice in tests.
     */
    synchronized Grant exchangeCode(String clientId, String clientSecret, String code, String redirectUri)
            throws Rejected {
        checkClient(clientId, clientSecret);
        AuthCode issued = code == null ? null : codes.get(code);
        if (issued == null || !issued.clientId().equals(clientId)) {
            throw new Rejected(400, "invalid_grant", "Invalid authorization code");
        }
        if (!issued.redirectUri().equals(redirectUri)) {
            throw new Rejected(400, "invalid_request", "Invalid redirect_uri");
        }
        codes.remove(code);
        return newGrant(clientId);
    }

    /** Rotates: the presented refresh token dies and a new access/refresh pair is returned. */
    synchronized Grant refresh(String clientId, String clientSecret, String refreshToken) throws Rejected {
        checkClient(clientId, clientSecret);
        if (refreshToken != null && refreshUses.merge(refreshToken, 1, Integer::sum) > 1) {
            reuses.add(new FakeKeap.Reuse(java.time.Instant.now(), undelivered.contains(refreshToken)));
        }
        String owner = refreshToken == null ? null : refreshTokens.get(refreshToken);
        if (owner == null || !owner.equals(clientId)) {
            throw new Rejected(400, "invalid_grant", "Invalid refresh token");
        }
        refreshTokens.remove(refreshToken);
        return newGrant(clientId);
    }

    /** Every refresh token presented again after its first use, oldest first. */
    synchronized java.util.List<FakeKeap.Reuse> refreshTokenReuses() {
        return java.util.List.copyOf(reuses);
    }

    /** The answer rotating {@code refreshToken} could not be written: its client never got the new pair. */
    synchronized void answerUndelivered(String refreshToken) {
        if (refreshToken != null) {
            undelivered.add(refreshToken);
        }
    }

    /** The most uses any one refresh token has had (0 when none was presented). */
    synchronized int mostUsesOfOneRefreshToken() {
        return refreshUses.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    /** Forgets tokens and codes but keeps keys and apps. */
    synchronized void clearGrants() {
        accessTokens.clear();
        refreshTokens.clear();
        codes.clear();
        refreshUses.clear();
        reuses.clear();
        undelivered.clear();
        latestRefreshToken = null;
    }

    /** Restores the defaults that tests may change (token lifetime and tenant). */
    synchronized void resetSettings() {
        accessTokenLifetime = DEFAULT_ACCESS_TOKEN_LIFETIME;
        tenant = DEFAULT_TENANT;
    }

    synchronized void forgetEverything() {
        clearGrants();
        resetSettings();
        apiKeys.clear();
        apps.clear();
    }

    private Grant newGrant(String clientId) {
        String access = randomToken(28);
        accessTokens.put(access, new AccessToken(clientId, Instant.now().plus(accessTokenLifetime)));
        return new Grant(access, newRefreshToken(clientId), accessTokenLifetime.toSeconds(), "full|" + tenant);
    }

    private String newRefreshToken(String clientId) {
        String refresh = randomToken(28);
        refreshTokens.put(refresh, clientId);
        latestRefreshToken = refresh;
        return refresh;
    }

    private void requireApp(String clientId) {
        if (!apps.containsKey(clientId)) {
            throw new IllegalArgumentException("no app registered with client id " + clientId);
        }
    }

    private static Auth ok(Kind kind, String id) {
        return new Auth(new Principal(kind, id), null);
    }

    private static String requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        return value;
    }

    /** Opaque alphanumeric tokens, like Apigee's. */
    static String randomToken(int length) {
        char[] out = new char[length];
        for (int i = 0; i < length; i++) {
            out[i] = ALPHANUMERIC[RANDOM.nextInt(ALPHANUMERIC.length)];
        }
        return new String(out);
    }
}
