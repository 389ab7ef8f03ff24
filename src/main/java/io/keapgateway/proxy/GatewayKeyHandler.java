package io.keapgateway.proxy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keapgateway.auth.ActiveKey;
import io.keapgateway.auth.KeyAuthenticator;
import io.keapgateway.auth.KeyGuessing;
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
 * revoked, expired or unknown key, or one used from a refused address, gets the proxy's problem+json, and
 * a failed key check counts towards the address's key-guessing block ({@link KeyGuessing}) as on the proxy.
 * The key check runs on the event loop (a store read it needs holds no thread); only today's usage, read
 * from Redis, runs on a worker thread.
 */
@ApplicationScoped
class GatewayKeyHandler implements Handler<RoutingContext> {

    private final KeyAuthenticator keys;
    private final KeyGuessing guessing;
    private final RateLimiter limiter;
    private final ObjectMapper json;
    private final GatewayConfig.Limits.Key defaults;
    private final Duration refusedBodyTimeout;

    GatewayKeyHandler(KeyAuthenticator keys, KeyGuessing guessing, RateLimiter limiter, ObjectMapper json,
            GatewayConfig config) {
        this.keys = keys;
        this.guessing = guessing;
        this.limiter = limiter;
        this.json = json;
        this.defaults = config.limits().key();
        this.refusedBodyTimeout = config.proxy().refusedBodyTimeout();
    }

    @Override
    public void handle(RoutingContext context) {
        HttpServerRequest request = context.request();
        String address = request.remoteAddress().hostAddress();
        try {
            RequestTarget target = context.get(RequestGuard.TARGET);
            keys.identify(PresentedKey.find(request.headers(), target), address).subscribe().with(
                    key -> context.vertx().executeBlocking(() -> view(key), false).onComplete(view -> {
                        if (view.succeeded()) {
                            request.response()
                                    .putHeader("Content-Type", "application/json")
                                    .putHeader("Cache-Control", "no-store")
                                    .end(view.result());
                        } else {
                            context.fail(view.cause());
                        }
                    }),
                    failure -> refuse(context, address, failure));
        } catch (GatewayException error) {
            refuse(context, address, error);
        }
    }

    // On a worker thread: today's usage is read from Redis.
    private String view(ActiveKey key) throws JsonProcessingException {
        return json.writeValueAsString(GatewayKeyView.of(key.record(),
                limiter.usage(key.record().connection(), key.id()), defaults));
    }

    /** The refusal reads (and throws away) whatever body the request carries. */
    private void refuse(RoutingContext context, String address, Throwable failure) {
        if (failure instanceof GatewayException error) {
            ProblemResponses.refuse(context, guessing.refused(address, error), context.get(RequestGuard.REQUEST_ID),
                    refusedBodyTimeout);
        } else {
            context.fail(failure);
        }
    }
}
