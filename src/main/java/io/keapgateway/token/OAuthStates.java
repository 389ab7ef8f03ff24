package io.keapgateway.token;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.secret.Hmac;
import io.keapgateway.store.Documents;
import io.keapgateway.store.Store;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * The browser flow's {@code state}: a random value, single-use and short-lived, that authorises one callback
 * for one connection. The store keeps only its HMAC, so a copy of Redis cannot complete a pending flow.
 * Blocking.
 */
@ApplicationScoped
public class OAuthStates {

    /** The path Keap redirects to; the redirect URI is the public URL plus this. */
    public static final String CALLBACK_PATH = "/oauth/callback";

    // An instance field, not a static one: a native image would otherwise freeze a seeded generator in its heap.
    private final SecureRandom random = new SecureRandom();

    /** An authorization started by an operator: open {@code authorizeUrl} in a browser before {@code expiresAt}. */
    @RegisterForReflection
    public record Started(String authorizeUrl, String redirectUri, String state, Instant expiresAt) {
    }

    /** What a state was issued for. */
    @RegisterForReflection
    public record Pending(String connection, String redirectUri) {
    }

    private final Store store;
    private final Documents documents;
    private final Hmac hmac;
    private final Clock clock;
    private final GatewayConfig config;
    private final Duration ttl;

    OAuthStates(Store store, Documents documents, Hmac hmac, Clock clock, GatewayConfig config) {
        this.store = store;
        this.documents = documents;
        this.hmac = hmac;
        this.clock = clock;
        this.config = config;
        this.ttl = config.oauth().stateTtl();
    }

    /** The redirect URI to register in the Keap app: {@code KEAP_GATEWAY_PUBLIC_URL} + {@value #CALLBACK_PATH}. */
    public String redirectUri() {
        String base = config.publicUrl().toString();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + CALLBACK_PATH;
    }

    /** Starts the browser flow for {@code connection}, whose OAuth app is {@code clientId}. */
    public Started begin(String connection, String clientId) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String state = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        String redirectUri = redirectUri();
        store.putIfAbsent(key(state), documents.write(new Pending(connection, redirectUri)), ttl);
        String authorize = config.authorizeUrl().toString();
        String url = authorize + (authorize.contains("?") ? "&" : "?")
                + "client_id=" + encode(clientId)
                + "&redirect_uri=" + encode(redirectUri)
                + "&response_type=code&scope=full"
                + "&state=" + encode(state);
        return new Started(url, redirectUri, state, clock.instant().plus(ttl));
    }

    /** Consumes {@code state}: what it was issued for, once, if it has not expired. */
    public Optional<Pending> take(String state) {
        if (state == null || state.isBlank() || state.length() > 200) {
            return Optional.empty();
        }
        return store.take(key(state)).map(doc -> documents.read(doc, Pending.class));
    }

    private String key(String state) {
        return "oauth-state:" + hmac.hex("oauth-state\n" + state);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
