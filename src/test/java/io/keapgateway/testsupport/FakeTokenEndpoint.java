package io.keapgateway.testsupport;

import com.sun.net.httpserver.HttpExchange;
import io.keapgateway.testsupport.FakeCredentials.Grant;
import io.keapgateway.testsupport.FakeCredentials.Rejected;
import io.keapgateway.testsupport.FakeRecorder.Incoming;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Keap's OAuth side: {@code POST /token} (KEAP-API-FACTS §1 and summary item 3) and the
 * {@code /app/oauth/authorize} page, which in reality lives on accounts.infusionsoft.com.
 */
final class FakeTokenEndpoint {

    private final FakeCredentials credentials;
    private final AtomicInteger tokenCalls = new AtomicInteger();
    private final AtomicInteger refreshCalls = new AtomicInteger();
    private volatile Duration latency = Duration.ZERO;
    private final AtomicReference<Duration> nextCallDelay = new AtomicReference<>();

    FakeTokenEndpoint(FakeCredentials credentials) {
        this.credentials = credentials;
    }

    void setLatency(Duration latency) {
        if (latency.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative: " + latency);
        }
        this.latency = latency;
    }

    /** The next token call (only that one) waits {@code delay} more before it rotates and answers. */
    void delayNextCall(Duration delay) {
        nextCallDelay.set(delay);
    }

    int tokenCalls() {
        return tokenCalls.get();
    }

    int refreshCalls() {
        return refreshCalls.get();
    }

    void reset() {
        tokenCalls.set(0);
        refreshCalls.set(0);
        latency = Duration.ZERO;
        nextCallDelay.set(null);
    }

    void handleToken(HttpExchange ex, Incoming in) throws IOException {
        tokenCalls.incrementAndGet();
        if (!"POST".equalsIgnoreCase(ex.getRequestMethod())) {
            FakeHttp.json(ex, 405, FakeJson.oauthError("invalid_request", "HTTP method not allowed"));
            return;
        }
        // Keap reads only a form body: a JSON body simply has no grant_type in it (§1, thread 16256).
        Map<String, String> form = isForm(ex) && in.received().body() != null
                ? FakeHttp.parseForm(in.received().bodyText())
                : Map.of();
        String grantType = form.get("grant_type");
        if ("refresh_token".equals(grantType)) {
            refreshCalls.incrementAndGet();
        }
        // Slept before the (atomic) grant logic, so concurrent callers overlap the way slow Keap responses do,
        // and the refresh token rotates at the moment the answer goes out.
        pause(latency);
        Duration once = nextCallDelay.getAndSet(null);
        if (once != null) {
            pause(once);
        }
        try {
            Grant grant = switch (grantType == null ? "" : grantType) {
                case "" -> throw new Rejected(400, "invalid_request", "response_type or grant_type is required");
                case "authorization_code" -> {
                    String[] client = clientCredentials(ex, form);
                    yield credentials.exchangeCode(client[0], client[1], form.get("code"), form.get("redirect_uri"));
                }
                case "refresh_token" -> {
                    String[] client = clientCredentials(ex, form);
                    yield credentials.refresh(client[0], client[1], form.get("refresh_token"));
                }
                default -> throw new Rejected(400, "unsupported_grant_type", "Unsupported grant type");
            };
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            try {
                FakeHttp.json(ex, 200, FakeJson.object(
                        "access_token", grant.accessToken(),
                        "token_type", "bearer",
                        "expires_in", grant.expiresIn(),
                        "refresh_token", grant.refreshToken(),
                        "scope", grant.scope()));
            } catch (IOException clientGone) {
                // Rotated all the same, as Keap does: the client that went away never learns the new pair.
                credentials.answerUndelivered(form.get("refresh_token"));
                throw clientGone;
            }
        } catch (Rejected rejected) {
            FakeHttp.json(ex, rejected.status, FakeJson.oauthError(rejected.error, rejected.description));
        }
    }

    /**
     * {@code GET /app/oauth/authorize}: a user who says yes at once. Redirects with a fresh code bound
     * to the redirect_uri, and echoes {@code scope=full|<tenant>} as Keap does.
     */
    void handleAuthorize(HttpExchange ex, Incoming in) throws IOException {
        Map<String, String> query = FakeHttp.parseForm(in.received().query());
        String clientId = query.get("client_id");
        String redirectUri = query.get("redirect_uri");
        if (clientId == null || !credentials.isApp(clientId)) {
            FakeHttp.text(ex, 400, "Unknown client_id");
        } else if (!"code".equals(query.get("response_type"))) {
            FakeHttp.text(ex, 400, "response_type must be code");
        } else if (!"full".equals(query.get("scope"))) {
            FakeHttp.text(ex, 400, "scope must be full");
        } else if (!acceptableRedirect(redirectUri)) {
            FakeHttp.text(ex, 400, "Invalid redirect_uri");
        } else {
            String code = credentials.issueAuthorizationCode(clientId, redirectUri);
            StringBuilder location = new StringBuilder(redirectUri)
                    .append(redirectUri.contains("?") ? '&' : '?')
                    .append("code=").append(encode(code))
                    .append("&scope=").append(encode("full|" + credentials.tenant()));
            String state = query.get("state");
            if (state != null) {
                location.append("&state=").append(encode(state));
            }
            ex.getResponseHeaders().set("Location", location.toString());
            FakeHttp.send(ex, 302, null, new byte[0]);
        }
    }

    /**
     * Keap requires an HTTPS redirect_uri; plain http is let through for loopback hosts only, because
     * tests run the gateway on http://localhost.
     */
    private static boolean acceptableRedirect(String redirectUri) {
        if (redirectUri == null) {
            return false;
        }
        try {
            URI uri = new URI(redirectUri);
            String host = uri.getHost();
            if ("https".equalsIgnoreCase(uri.getScheme())) {
                return host != null;
            }
            return "http".equalsIgnoreCase(uri.getScheme())
                    && ("localhost".equalsIgnoreCase(host) || "127.0.0.1".equals(host) || "[::1]".equals(host));
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /**
     * Client id and secret from {@code Authorization: Basic} (what Keap documents and its PHP SDK sends),
     * else from the form body (what Nango sends, and what code exchange uses).
     */
    private static String[] clientCredentials(HttpExchange ex, Map<String, String> form) throws Rejected {
        String authorization = ex.getRequestHeaders().getFirst("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded = new String(
                        Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                if (colon > 0) {
                    return new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
                }
            } catch (IllegalArgumentException notBase64) {
                // falls through to invalid_client
            }
            throw new Rejected(401, "invalid_client", "Invalid client credentials");
        }
        return new String[] {form.get("client_id"), form.get("client_secret")};
    }

    private static boolean isForm(HttpExchange ex) {
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        return type != null && type.trim().toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded");
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    static void pause(Duration duration) {
        if (duration.isZero()) {
            return;
        }
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the fake is closing; answer at once
        }
    }
}
