package io.keapgateway.proxy;

import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.keapgateway.error.ProblemResponses;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Caps the connections one client address (the TCP peer) holds open on port 8080, so that one client
 * cannot take every file descriptor. A connection is counted from its first request until it closes; one
 * beyond the cap is answered 429 {@code rate_limited} and closed. A connection that never completes a
 * request head is not seen here: the server idle timeout ({@code quarkus.http.idle-timeout}) ends it.
 */
final class AddressConnections implements Handler<RoutingContext> {

    private final int max;
    private final Set<HttpConnection> counted = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> perAddress = new ConcurrentHashMap<>();

    AddressConnections(int max) {
        this.max = max;
    }

    @Override
    public void handle(RoutingContext context) {
        HttpConnection connection = context.request().connection();
        // Vert.x's own connections expose a close future that several parties may listen to (its single
        // closeHandler slot belongs to Quarkus' global connection limit).
        if (!(connection instanceof ConnectionBase base) || !counted.add(connection)) {
            context.next();
            return;
        }
        String address = connection.remoteAddress().hostAddress();
        int open = perAddress.merge(address, 1, Integer::sum);
        base.closeFuture().onComplete(closed -> {
            counted.remove(connection);
            perAddress.computeIfPresent(address, (peer, count) -> count == 1 ? null : count - 1);
        });
        if (open > max) {
            context.response().putHeader("Connection", "close");
            ProblemResponses.send(context.response(), new GatewayException(ErrorCode.RATE_LIMITED,
                    "This address already holds " + max + " connections to the gateway.", Map.of("Retry-After", "1")),
                    context.get(RequestGuard.REQUEST_ID)).onComplete(written -> connection.close());
            return;
        }
        context.next();
    }
}
