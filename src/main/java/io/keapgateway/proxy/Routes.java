package io.keapgateway.proxy;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.keapgateway.error.ProblemResponses;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;

/**
 * Puts the gateway's handlers on the main router: the guard before everything, then the per-address
 * connection cap and the hold on the server idle timeout ({@link OwedAnswers}), the proxy on
 * {@code /crm/*}, a key's look at itself on {@code GET /gateway/key}, and a problem+json 404 after everything
 * else.
 */
@ApplicationScoped
class Routes {

    void register(@Observes Router router, ProxyHandler proxy, GatewayKeyHandler gatewayKey, GatewayConfig config) {
        Duration refusedBodyTimeout = config.proxy().refusedBodyTimeout();
        router.route().order(-1000).handler(new RequestGuard(config.proxy().maxBodySize().asLongValue(), refusedBodyTimeout));
        router.route().order(-950).handler(new AddressConnections(config.proxy().maxConnectionsPerAddress()));
        router.route().order(-945).handler(new OwedAnswers());
        router.route("/crm/*").order(-900).handler(proxy);
        router.get("/gateway/key").order(-900).handler(gatewayKey);
        router.route().last().handler(context -> answer(context, ErrorCode.NOT_FOUND, "Nothing is served at this path."));
        // The router itself fails a request whose path it cannot decode, before any handler runs; the guard's
        // body reader fails an admin body of unannounced length past its limit.
        router.route().order(-1001).failureHandler(context -> {
            if (context.response().headWritten()) {
                context.next();
            } else if (context.statusCode() == 400) {
                answer(context, ErrorCode.BAD_REQUEST, "Malformed request-target.");
            } else if (context.statusCode() == 413) {
                ProblemResponses.refuse(context, new GatewayException(ErrorCode.PAYLOAD_TOO_LARGE,
                        "The request body is larger than the gateway accepts."),
                        requestId(context), refusedBodyTimeout);
            } else {
                context.next();
            }
        });
    }

    private static void answer(RoutingContext context, ErrorCode code, String detail) {
        ProblemResponses.send(context.response(), new GatewayException(code, detail), requestId(context));
    }

    /** The guard's request id, or a new one for a request failed before the guard ran. */
    private static String requestId(RoutingContext context) {
        String requestId = context.get(RequestGuard.REQUEST_ID);
        if (requestId == null) {
            requestId = RequestGuard.requestId(context.request().getHeader("X-Request-Id"));
            context.response().putHeader("X-Request-Id", requestId);
        }
        return requestId;
    }
}
