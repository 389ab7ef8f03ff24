package io.keapgateway.proxy;

import io.keapgateway.auth.ActiveKey;
import io.keapgateway.auth.KeyAuthenticator;
import io.keapgateway.auth.KeyRecord;
import io.keapgateway.config.GatewayConfig;
import io.keapgateway.connection.Connection;
import io.keapgateway.connection.ConnectionRegistry;
import io.keapgateway.connection.Credential;
import io.keapgateway.connection.Credentials;
import io.keapgateway.connection.Mode;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.keapgateway.error.ProblemResponses;
import io.keapgateway.ratelimit.Decision;
import io.keapgateway.ratelimit.LimitRequest;
import io.keapgateway.ratelimit.RateLimiter;
import io.keapgateway.telemetry.ProxyExchange;
import io.keapgateway.telemetry.ProxyTelemetry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Future;
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
    private final RateLimiter limiter;
    private final ProxyTelemetry telemetry;
    private final long maxBody;
    private final boolean limitsEnabled;
    private final long replayBufferSize;

    /** The decision when limits are switched off: allowed, with no limit to announce. */
    private static final Decision UNLIMITED = new Decision(true, null, java.time.Duration.ZERO, null, null);

    ProxyHandler(KeyAuthenticator keys, ConnectionRegistry connections, Credentials credentials,
            Forwarder forwarder, RateLimiter limiter, ProxyTelemetry telemetry, GatewayConfig config) {
        this.keys = keys;
        this.connections = connections;
        this.credentials = credentials;
        this.forwarder = forwarder;
        this.limiter = limiter;
        this.telemetry = telemetry;
        this.maxBody = config.proxy().maxBodySize().asLongValue();
        this.limitsEnabled = config.limits().enabled();
        this.replayBufferSize = config.proxy().replayBufferSize().asLongValue();
    }

    @Override
    public void handle(RoutingContext context) {
        HttpServerRequest request = context.request();
        request.pause();
        RequestTarget target = context.get(RequestGuard.TARGET);
        ProxyExchange exchange = telemetry.begin(context, context.get(RequestGuard.REQUEST_ID), target.decodedPath());
        Context vertxContext = Vertx.currentContext();
        try {
            if (!target.forwardable()) {
                throw new GatewayException(ErrorCode.NOT_FOUND, "This path is not forwarded by the gateway.");
            }
            ActiveKey key = keys.authenticate(PresentedKey.find(request.headers(), target),
                    request.method().name(), target.decodedPath(), request.remoteAddress().hostAddress());
            exchange.identified(key.record().id(), key.record().connection());
            Connection connection = connections.find(key.record().connection())
                    .orElseThrow(() -> Credentials.notConnected(key.record().connection()));
            limits(key, connection)
                    .invoke(decision -> {
                        telemetry.decided(decision);
                        if (!decision.allowed()) {
                            throw decision.toException();
                        }
                    })
                    .chain(decision -> credentials.current(connection).map(credential -> new Go(decision, credential)))
                    .subscribe().with(
                            go -> vertxContext.runOnContext(v -> forward(context, target, connection, go)),
                            failure -> vertxContext.runOnContext(v -> fail(context, failure)));
        } catch (GatewayException error) {
            fail(context, error);
        }
    }

    private Uni<Decision> limits(ActiveKey key, Connection connection) {
        return limitsEnabled ? limiter.acquire(limitRequest(key, connection)) : Uni.createFrom().item(UNLIMITED);
    }

    /** What a request needs once it has passed its limits. */
    private record Go(Decision decision, Credential credential) {
    }

    private void forward(RoutingContext context, RequestTarget target, Connection connection, Go go) {
        HttpServerRequest request = context.request();
        Map<String, String> limitHeaders = go.decision().policyHeader() == null ? Map.of() : Map.of(
                "RateLimit-Policy", go.decision().policyHeader(), "RateLimit", go.decision().rateLimitHeader());
        String requestId = context.get(RequestGuard.REQUEST_ID);
        ProxyExchange exchange = ProxyTelemetry.of(context);
        exchange.sendingUpstream();
        Future<KeapAnswer> answer = connection.mode() == Mode.oauth && Replay.replayable(request, replayBufferSize)
                ? Replay.send(forwarder, request, target, connection, go.credential(), credentials, requestId)
                : forwarder.send(request, target, go.credential(), requestId, null, maxBody).map(KeapAnswer::streaming);
        answer.onComplete(ended -> telemetry.upstreamEnded(exchange)).onSuccess(keap -> {
            limiter.observe(connection.name(), keap.response().headers(), keap.response().statusCode());
            forwarder.relay(keap, request.response(), limitHeaders);
        }).onFailure(failure -> fail(context, failure));
    }

    private static LimitRequest limitRequest(ActiveKey key, Connection connection) {
        KeyRecord record = key.record();
        KeyRecord.Rate rate = record.rate();
        return new LimitRequest(record.id(), connection.name(), connection.mode() == Mode.api_key,
                rate == null ? null : rate.perSecond(), rate == null ? null : rate.burst(), record.dailyQuota(),
                record.priority() == KeyRecord.Priority.high);
    }

    private static void fail(RoutingContext context, Throwable failure) {
        GatewayException error = failure instanceof GatewayException known ? known : Forwarder.translate(failure);
        if (!(failure instanceof GatewayException)) {
            LOG.warnf("request %s failed: %s", context.get(RequestGuard.REQUEST_ID), failure.toString());
        }
        ProblemResponses.refuse(context.request(), error, context.get(RequestGuard.REQUEST_ID));
    }
}
