package io.keapgateway.keap;

import io.keapgateway.config.GatewayConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;

/**
 * Keap's OAuth token endpoint, spoken as Keap documents it (KEAP-API-FACTS §1 and summary item 3): always an
 * {@code application/x-www-form-urlencoded} body (a JSON body is refused); code exchange with the client id
 * and secret in the body; refresh with them in {@code Authorization: Basic}. Non-blocking: answers arrive on a
 * Vert.x event loop. Failures are {@link TokenEndpointException}s.
 */
@ApplicationScoped
public class KeapTokenClient {

    /** Keap documents 24 h; used only if an answer ever lacks {@code expires_in}. */
    private static final Duration DOCUMENTED_LIFETIME = Duration.ofHours(24);
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    private static final int LONGEST_DESCRIPTION = 300;

    private final HttpClient client;
    /** Runs each token call on one event loop of its own, from opening its connection to reading its answer. */
    private final Executor onOwnEventLoop;
    private final URI tokenUrl;
    private final boolean ssl;
    private final Duration timeout;

    KeapTokenClient(Vertx vertx, GatewayConfig config) {
        this.tokenUrl = config.tokenUrl();
        this.ssl = "https".equalsIgnoreCase(tokenUrl.getScheme());
        // Not the callers' wait (token-timeout): a call Keap may be answering is only given up at the limit.
        this.timeout = config.oauth().tokenCallLimit();
        Context context = ((VertxInternal) vertx).createEventLoopContext();
        this.onOwnEventLoop = task -> context.runOnContext(ignored -> task.run());
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout(CONNECT_TIMEOUT_MILLIS)
                .setSsl(ssl)
                .setForceSni(ssl)
                .setVerifyHost(true)
                .setKeepAlive(false)); // a handful of calls a day: nothing worth pooling
    }

    /** Exchanges an authorization code; {@code redirectUri} must be the one the code was issued for. */
    public Uni<TokenResponse> exchangeCode(String clientId, String clientSecret, String code, String redirectUri) {
        String form = form("client_id", clientId, "client_secret", clientSecret, "code", code,
                "grant_type", "authorization_code", "redirect_uri", redirectUri);
        return post(form, null);
    }

    /** Uses {@code refreshToken} (which dies by this call) for a new access/refresh pair. */
    public Uni<TokenResponse> refresh(String clientId, String clientSecret, String refreshToken) {
        String basic = Base64.getEncoder().encodeToString(
                (nullToEmpty(clientId) + ":" + nullToEmpty(clientSecret)).getBytes(StandardCharsets.UTF_8));
        return post(form("grant_type", "refresh_token", "refresh_token", refreshToken), "Basic " + basic);
    }

    void close(@Observes ShutdownEvent event) {
        client.close();
    }

    private Uni<TokenResponse> post(String form, String authorization) {
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost(tokenUrl.getHost())
                .setPort(tokenUrl.getPort() > 0 ? tokenUrl.getPort() : ssl ? 443 : 80)
                .setSsl(ssl)
                .setURI(tokenUrl.getRawPath() == null || tokenUrl.getRawPath().isEmpty() ? "/" : tokenUrl.getRawPath())
                .setIdleTimeout(timeout.toMillis())
                .putHeader("Content-Type", "application/x-www-form-urlencoded")
                .putHeader("Accept", "application/json");
        if (authorization != null) {
            options.putHeader("Authorization", authorization);
        }
        // Deferred: every subscription is one call (the custody's single flight makes sure there is one). Custody
        // subscribes on worker threads; a call started there, its steps chained from there, now and then had
        // its answer's body go by before the body was asked for, and read a 200 as 0 bytes: the new pair, and
        // with it the grant, lost (OAuthReplayTest, LogsIT). On its own event loop, each step is chained
        // before the next event can arrive.
        return Uni.createFrom().completionStage(() -> client.request(options)
                        .compose(request -> request.send(Buffer.buffer(form)))
                        .compose(KeapTokenClient::read)
                        .recover(failure -> Future.failedFuture(asEndpointFailure(failure)))
                        .toCompletionStage())
                .runSubscriptionOn(onOwnEventLoop)
                .ifNoItem().after(timeout).failWith(() -> new TokenEndpointException(
                        TokenEndpointException.NO_ANSWER, "timeout", "no answer within " + timeout.toSeconds() + " s"));
    }

    private static Future<TokenResponse> read(HttpClientResponse response) {
        return response.body().map(body -> {
            try {
                return parse(response.statusCode(), body);
            } catch (TokenEndpointException refused) {
                if (response.statusCode() == 200) {
                    // Never the body itself (it may hold tokens): what it looked like is enough to diagnose.
                    throw new TokenEndpointException(200, refused.error(), "a 200 answer without a token pair ("
                            + response.getHeader("Content-Type") + ", Content-Length "
                            + response.getHeader("Content-Length") + ", " + body.length() + " bytes read)");
                }
                throw refused;
            }
        });
    }

    static TokenResponse parse(int status, Buffer body) {
        JsonObject json = json(body);
        if (status == 200 && json != null && json.getValue("access_token") instanceof String access
                && json.getValue("refresh_token") instanceof String refresh) {
            return new TokenResponse(access, refresh, lifetime(json.getValue("expires_in")), json.getString("scope"));
        }
        throw refusal(status, json);
    }

    /** Keap's OAuth envelope {@code {error, error_description}}, or Apigee's {@code fault} for gateway-level refusals. */
    private static TokenEndpointException refusal(int status, JsonObject json) {
        String error = null;
        String description = null;
        if (json != null) {
            error = json.getValue("error") instanceof String e ? e : null;
            description = json.getValue("error_description") instanceof String d ? d : null;
            if (error == null && json.getValue("fault") instanceof JsonObject fault) {
                JsonObject detail = fault.getValue("detail") instanceof JsonObject d ? d : new JsonObject();
                error = detail.getValue("errorcode") instanceof String code ? code : null;
                description = fault.getValue("faultstring") instanceof String text ? text : null;
            }
        }
        if (error == null) {
            error = status == 200 ? "invalid_response" : "http_" + status;
        }
        if (description != null && description.length() > LONGEST_DESCRIPTION) {
            description = description.substring(0, LONGEST_DESCRIPTION) + "…";
        }
        return new TokenEndpointException(status, error, description == null ? "" : description);
    }

    private static Duration lifetime(Object expiresIn) {
        try {
            if (expiresIn instanceof Number seconds) {
                return Duration.ofSeconds(seconds.longValue());
            }
            if (expiresIn instanceof String seconds) {
                return Duration.ofSeconds(Long.parseLong(seconds.trim()));
            }
        } catch (NumberFormatException e) {
            // falls through to the documented lifetime
        }
        return DOCUMENTED_LIFETIME;
    }

    private static JsonObject json(Buffer body) {
        try {
            return body == null || body.length() == 0 ? null : new JsonObject(body);
        } catch (DecodeException | ClassCastException e) {
            return null; // e.g. an HTML error page from a proxy in between
        }
    }

    private static Throwable asEndpointFailure(Throwable failure) {
        if (failure instanceof TokenEndpointException known) {
            return known;
        }
        // A failed connect sent nothing; any later failure may have reached Keap, which may have rotated.
        String error = failure instanceof java.net.ConnectException ? TokenEndpointException.UNREACHABLE
                : failure instanceof TimeoutException || failure.getClass().getSimpleName().contains("Timeout")
                        ? "timeout" : "connection_lost";
        return new TokenEndpointException(TokenEndpointException.NO_ANSWER, error,
                "Keap's token endpoint could not be reached (" + failure.getClass().getSimpleName() + ")");
    }

    private static String form(String... namesAndValues) {
        StringBuilder form = new StringBuilder();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (i > 0) {
                form.append('&');
            }
            form.append(namesAndValues[i]).append('=')
                    .append(URLEncoder.encode(nullToEmpty(namesAndValues[i + 1]), StandardCharsets.UTF_8));
        }
        return form.toString();
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
