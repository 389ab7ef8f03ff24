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
 * for one connection, in the browser that started it. The operator's browser opens {@code start_url} on the
 * gateway (usable once), which sets a cookie holding an HMAC of the state and redirects to Keap; the callback
 * refuses a state that arrives without that cookie, so a leaked authorize URL cannot be completed by someone
 * else. The store keeps only HMACs, so a copy of Redis cannot complete a pending flow. Blocking.
 */
@ApplicationScoped
public class OAuthStates {

    /** The path Keap redirects to; the redirect URI is the public URL plus this. */
    public static final String CALLBACK_PATH = "/oauth/callback";
    /** The gateway page that binds a state to the browser opening it, then redirects to Keap. */
    public static final String START_PATH = "/oauth/start";
    /** The cookie (sent only to {@value #CALLBACK_PATH}) that binds a state to the browser. */
    public static final String COOKIE = "kgw_oauth_state";

    // An instance field, not a static one: a native image would otherwise freeze a seeded generator in its heap.
    private final SecureRandom random = new SecureRandom();

    /**
     * An authorization started by an operator: open {@code startUrl} in a browser before {@code expiresAt}
     * (it leads to {@code authorizeUrl}, which alone does not complete the flow).
     */
    @RegisterForReflection
    public record Started(String authorizeUrl, String redirectUri, String state, Instant expiresAt, String startUrl) {
    }

    /** What a start page may do once: send a browser to the authorize URL of {@code clientId}. */
    @RegisterForReflection
    public record Start(String connection, String clientId) {
    }

    /**
     * What a state was issued for; {@code consoleUrl} is the console that started it (null when the flow was
     * started without one, e.g. with curl).
     */
    @RegisterForReflection
    public record Pending(String connection, String redirectUri, String consoleUrl) {
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
        return publicBase() + CALLBACK_PATH;
    }

    /** {@code PUBLIC_URL} without a trailing slash, so that paths can be appended to it as they are. */
    public String publicBase() {
        String base = config.publicUrl().toString();
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    private static boolean plausible(String state) {
        return state != null && !state.isBlank() && state.length() <= 200;
    }

    /**
     * Starts the browser flow for {@code connection}, whose OAuth app is {@code clientId}; {@code consoleUrl}
     * (or null) is where the result page sends the operator back to.
     */
    public Started begin(String connection, String clientId, String consoleUrl) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String state = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        String redirectUri = redirectUri();
        store.putIfAbsent(key(state), documents.write(new Pending(connection, redirectUri, consoleUrl)), ttl);
        store.putIfAbsent(startKey(state), documents.write(new Start(connection, clientId)), ttl);
        return new Started(authorizeUrl(clientId, state), redirectUri, state, clock.instant().plus(ttl),
                publicBase() + START_PATH + "?state=" + encode(state));
    }

    /** Uses the start page of {@code state} (once): the authorize URL to send the browser to, if still valid. */
    public Optional<String> start(String state) {
        if (!plausible(state)) {
            return Optional.empty();
        }
        return store.take(startKey(state)).map(doc -> documents.read(doc, Start.class))
                .map(start -> authorizeUrl(start.clientId(), state));
    }

    /** The value of {@value #COOKIE} for {@code state}: only the gateway can make it. */
    public String browserBinding(String state) {
        return hmac.hex("oauth-browser\n" + state);
    }

    /** True if {@code cookie} is the binding of {@code state} (compared in constant time). */
    public boolean boundTo(String state, String cookie) {
        return plausible(state) && cookie != null && Hmac.constantTimeEquals(cookie, browserBinding(state));
    }

    /** The binding cookie's attributes: HttpOnly, SameSite=Lax (Keap's redirect is a top-level GET), Secure on https. */
    public String cookieAttributes(Duration maxAge) {
        return "; Path=" + CALLBACK_PATH + "; Max-Age=" + maxAge.toSeconds() + "; HttpOnly; SameSite=Lax"
                + ("https".equalsIgnoreCase(config.publicUrl().getScheme()) ? "; Secure" : "");
    }

    /** How long a state lives. */
    public Duration ttl() {
        return ttl;
    }

    private String authorizeUrl(String clientId, String state) {
        String authorize = config.authorizeUrl().toString();
        return authorize + (authorize.contains("?") ? "&" : "?")
                + "client_id=" + encode(clientId)
                + "&redirect_uri=" + encode(redirectUri())
                + "&response_type=code&scope=full"
                + "&state=" + encode(state);
    }

    /** Consumes {@code state}: what it was issued for, once, if it has not expired. */
    public Optional<Pending> take(String state) {
        if (!plausible(state)) {
            return Optional.empty();
        }
        return store.take(key(state)).map(doc -> documents.read(doc, Pending.class));
    }

    private String key(String state) {
        return "oauth-state:" + hmac.hex("oauth-state\n" + state);
    }

    private String startKey(String state) {
        return "oauth-start:" + hmac.hex("oauth-start\n" + state);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
