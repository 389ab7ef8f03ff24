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
import io.keapgateway.resilience.Admission;
import io.keapgateway.resilience.UpstreamGuards;
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
 * The proxy pipeline, top to bottom: check the path, identify the key, check its scope, take its places in
 * flight (key cap, circuit breaker, bulkhead), take the limits, get the credential, forward, stream back. The
 * client's body stays paused until Keap is being called; the places are given back when the exchange ends.
 */
@ApplicationScoped
class ProxyHandler implements Handler<RoutingContext> {

    private static final Logger LOG = Logger.getLogger(ProxyHandler.class);

    private final KeyAuthenticator keys;
    private final ConnectionRegistry connections;
    private final Credentials credentials;
    private final Forwarder forwarder;
    private final RateLimiter limiter;
    private final UpstreamGuards guards;
    private final long maxBody;
    private final boolean limitsEnabled;
    private final long replayBufferSize;

    /** The decision when limits are switched off: allowed, with no limit to announce. */
    private static final Decision UNLIMITED = new Decision(true, null, java.time.Duration.ZERO, null, null);

    ProxyHandler(KeyAuthenticator keys, ConnectionRegistry connections, Credentials credentials,
            Forwarder forwarder, RateLimiter limiter, UpstreamGuards guards, GatewayConfig config) {
        this.keys = keys;
        this.connections = connections;
        this.credentials = credentials;
        this.forwarder = forwarder;
        this.limiter = limiter;
        this.guards = guards;
        this.maxBody = config.proxy().maxBodySize().asLongValue();
        this.limitsEnabled = config.limits().enabled();
        this.replayBufferSize = config.proxy().replayBufferSize().asLongValue();
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
            Admission admission = guards.admit(key.id(), key.record().maxConcurrent(), connection.name());
            context.addEndHandler(ended -> admission.release());
            limits(key, connection)
                    .invoke(decision -> {
                        if (!decision.allowed()) {
                            throw decision.toException();
                        }
                    })
                    .chain(decision -> credentials.current(connection).map(credential -> new Go(decision, credential)))
                    .subscribe().with(
                            go -> vertxContext.runOnContext(v -> forward(context, target, connection, go, admission)),
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

    private void forward(RoutingContext context, RequestTarget target, Connection connection, Go go,
            Admission admission) {
        HttpServerRequest request = context.request();
        try {
            admission.board();
        } catch (GatewayException full) {
            fail(context, full);
            return;
        }
        Map<String, String> limitHeaders = go.decision().policyHeader() == null ? Map.of() : Map.of(
                "RateLimit-Policy", go.decision().policyHeader(), "RateLimit", go.decision().rateLimitHeader());
        String requestId = context.get(RequestGuard.REQUEST_ID);
        Future<KeapAnswer> answer = connection.mode() == Mode.oauth && Replay.replayable(request, replayBufferSize)
                ? Replay.send(forwarder, request, target, connection, go.credential(), credentials, requestId)
                : forwarder.send(request, target, go.credential(), requestId, null, maxBody).map(KeapAnswer::streaming);
        answer.onSuccess(keap -> {
            admission.keapAnswered(keap.response().statusCode());
            limiter.observe(connection.name(), keap.response().headers(), keap.response().statusCode());
            if (request.response().closed()) {
                keap.response().request().reset(); // the client went away while Keap was working
                return;
            }
            forwarder.relay(keap, context, limitHeaders);
        }).onFailure(failure -> {
            if (keapFailed(failure)) {
                admission.keapFailed();
            }
            fail(context, failure);
        });
    }

    /** Whether a failed exchange tells that Keap is failing (not the client, nor a gateway limit). */
    private static boolean keapFailed(Throwable failure) {
        GatewayException error = Forwarder.translate(failure);
        return error.code() == ErrorCode.UPSTREAM_TIMEOUT || error.code() == ErrorCode.UPSTREAM_UNAVAILABLE;
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
