package io.keapgateway.proxy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keapgateway.auth.ActiveKey;
import io.keapgateway.auth.KeyAuthenticator;
import io.keapgateway.config.GatewayConfig;
import io.keapgateway.error.GatewayException;
import io.keapgateway.error.ProblemResponses;
import io.keapgateway.ratelimit.RateLimiter;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * {@code GET /gateway/key}: a client looks at its own key (presented in any way the proxy accepts), so it
 * can see why a call was refused without asking the operator. The key's scopes do not matter here; a
 * revoked, expired or unknown key, or one used from a refused address, gets the proxy's problem+json.
 * Runs on a worker thread: today's usage is read from Redis.
 */
@ApplicationScoped
class GatewayKeyHandler implements Handler<RoutingContext> {

    private final KeyAuthenticator keys;
    private final RateLimiter limiter;
    private final ObjectMapper json;
    private final GatewayConfig.Limits.Key defaults;
    private final Duration refusedBodyTimeout;

    GatewayKeyHandler(KeyAuthenticator keys, RateLimiter limiter, ObjectMapper json, GatewayConfig config) {
        this.keys = keys;
        this.limiter = limiter;
        this.json = json;
        this.defaults = config.limits().key();
        this.refusedBodyTimeout = config.proxy().refusedBodyTimeout();
    }

    @Override
    public void handle(RoutingContext context) {
        HttpServerRequest request = context.request();
        String requestId = context.get(RequestGuard.REQUEST_ID);
        try {
            RequestTarget target = context.get(RequestGuard.TARGET);
            // A worker thread (blocking route): waiting here holds no event loop.
            ActiveKey key = keys.identify(PresentedKey.find(request.headers(), target),
                    request.remoteAddress().hostAddress()).await().indefinitely();
            GatewayKeyView view = GatewayKeyView.of(key.record(), limiter.usage(key.record().connection(), key.id()),
                    defaults);
            request.response()
                    .putHeader("Content-Type", "application/json")
                    .putHeader("Cache-Control", "no-store")
                    .end(json.writeValueAsString(view));
        } catch (GatewayException error) {
            // Back on the event loop: the refusal reads (and throws away) whatever body the request carries.
            context.vertx().runOnContext(onLoop -> ProblemResponses.refuse(context, error, requestId, refusedBodyTimeout));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a key view is always serialisable", e);
        }
    }
}
