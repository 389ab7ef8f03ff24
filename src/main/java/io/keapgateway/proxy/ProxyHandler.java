package io.keapgateway.proxy;

import io.keapgateway.auth.ActiveKey;
import io.keapgateway.auth.KeyAuthenticator;
import io.keapgateway.config.GatewayConfig;
import io.keapgateway.connection.Connection;
import io.keapgateway.connection.ConnectionRegistry;
import io.keapgateway.connection.Credential;
import io.keapgateway.connection.Credentials;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.keapgateway.error.ProblemResponses;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The proxy pipeline, top to bottom: check the path, identify the key, check its scope, take the limits,
 * get the credential, forward, stream back. The client's body stays paused until Keap is being called.
 */
@ApplicationScoped
class ProxyHandler implements Handler<RoutingContext> {

    private static final Logger LOG = Logger.getLogger(ProxyHandler.class);

    private final KeyAuthenticator keys;
    private final ConnectionRegistry connections;
    private final Credentials credentials;
    private final Forwarder forwarder;
    private final long maxBody;

    ProxyHandler(KeyAuthenticator keys, ConnectionRegistry connections, Credentials credentials,
            Forwarder forwarder, GatewayConfig config) {
        this.keys = keys;
        this.connections = connections;
        this.credentials = credentials;
        this.forwarder = forwarder;
        this.maxBody = config.proxy().maxBodySize().asLongValue();
    }

    @Override
    public void handle(RoutingContext context) {
        HttpServerRequest request = context.request();
        request.pause();
        RequestTarget target = context.get(RequestGuard.TARGET);
        Context vertxContext = Vertx.currentContext();
        try {
            if (!target.forwardable()) {
                throw new GatewayException(ErrorCode.NOT_FOUND, "This path is not forwarded by the gateway.");
            }
            ActiveKey key = keys.authenticate(PresentedKey.find(request.headers(), target),
                    request.method().name(), target.decodedPath(), request.remoteAddress().hostAddress());
            Connection connection = connections.find(key.record().connection())
                    .orElseThrow(() -> Credentials.notConnected(key.record().connection()));
            credentials.current(connection).subscribe().with(
                    credential -> vertxContext.runOnContext(v -> forward(context, target, credential, Map.of())),
                    failure -> vertxContext.runOnContext(v -> fail(context, failure)));
        } catch (GatewayException error) {
            fail(context, error);
        }
    }

    private void forward(RoutingContext context, RequestTarget target, Credential credential,
            Map<String, String> extraHeaders) {
        HttpServerRequest request = context.request();
        forwarder.send(request, target, credential, context.get(RequestGuard.REQUEST_ID), null, maxBody)
                .onSuccess(response -> forwarder.relay(response, request.response(), extraHeaders))
                .onFailure(failure -> fail(context, failure));
    }

    private static void fail(RoutingContext context, Throwable failure) {
        GatewayException error = failure instanceof GatewayException known ? known : Forwarder.translate(failure);
        if (!(failure instanceof GatewayException)) {
            LOG.warnf("request %s failed: %s", context.get(RequestGuard.REQUEST_ID), failure.toString());
        }
        ProblemResponses.send(context.response(), error, context.get(RequestGuard.REQUEST_ID));
        if (error.code() == ErrorCode.PAYLOAD_TOO_LARGE) {
            // The rest of the body would never be read: close instead of keeping a half-read connection.
            context.response().endHandler(v -> context.request().connection().close());
        }
    }
}
