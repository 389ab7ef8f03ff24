package io.keapgateway.proxy;

import io.keapgateway.activity.KeyActivity;
import io.keapgateway.auth.ActiveKey;
import io.keapgateway.auth.KeyAuthenticator;
import io.keapgateway.auth.KeyGuessing;
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
import io.keapgateway.telemetry.ProxyExchange;
import io.keapgateway.telemetry.ProxyTelemetry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The proxy pipeline, top to bottom: check the path, identify the key, check its scope, take its places in
 * flight (key cap, circuit breaker, bulkhead), take the limits, get the credential, forward, stream back. The
 * client's body stays paused until Keap is being called, except an XML-RPC call's, which is read before the
 * scope check: its method name decides the scope and its first parameter may hold the key ({@link XmlRpcBody}).
 * It is read only once the key from a header or the query matched, or, when the client presented none there
 * (old XML-RPC libraries), to find the key in it; either way it is parsed off the event loop, within caps
 * ({@link XmlRpcParsing}). The places are given back when the exchange ends.
 */
@Singleton // no client proxy: it serves every proxied request (docs/benchmarks.md "What the profile changed")
class ProxyHandler implements Handler<RoutingContext> {

    private static final Logger LOG = Logger.getLogger(ProxyHandler.class);

    private final KeyAuthenticator keys;
    private final KeyGuessing guessing;
    private final ConnectionRegistry connections;
    private final Credentials credentials;
    private final Forwarder forwarder;
    private final RateLimiter limiter;
    private final UpstreamGuards guards;
    private final ProxyTelemetry telemetry;
    private final KeyActivity activity;
    private final XmlRpcParsing xmlRpcParsing;
    private final long maxBody;
    private final boolean limitsEnabled;
    private final long replayBufferSize;
    private final long xmlRpcMaxBody;
    private final Duration refusedBodyTimeout;

    ProxyHandler(KeyAuthenticator keys, KeyGuessing guessing, ConnectionRegistry connections, Credentials credentials,
            Forwarder forwarder, RateLimiter limiter, UpstreamGuards guards, ProxyTelemetry telemetry,
            KeyActivity activity, XmlRpcParsing xmlRpcParsing, GatewayConfig config) {
        this.keys = keys;
        this.guessing = guessing;
        this.connections = connections;
        this.credentials = credentials;
        this.forwarder = forwarder;
        this.limiter = limiter;
        this.guards = guards;
        this.telemetry = telemetry;
        this.activity = activity;
        this.xmlRpcParsing = xmlRpcParsing;
        this.maxBody = config.proxy().maxBodySize().asLongValue();
        this.limitsEnabled = config.limits().enabled();
        this.replayBufferSize = config.proxy().replayBufferSize().asLongValue();
        this.xmlRpcMaxBody = config.proxy().xmlrpcMaxBodySize().asLongValue();
        this.refusedBodyTimeout = config.proxy().refusedBodyTimeout();
    }

    @Override
    public void handle(RoutingContext context) {
        HttpServerRequest request = context.request();
        request.pause();
        RequestTarget target = context.get(RequestGuard.TARGET);
        telemetry.begin(context, context.get(RequestGuard.REQUEST_ID), target.decodedPath());
        if (!target.forwardable()) {
            fail(context, new GatewayException(ErrorCode.NOT_FOUND, "This path is not forwarded by the gateway."));
        } else if (XmlRpcBody.isXmlRpc(target) && PresentedKey.find(request.headers(), target) == null) {
            // The key can only be in the body (old XML-RPC libraries): read it before any key is known.
            readXmlRpc(request, null).onComplete(read -> {
                if (read.succeeded()) {
                    proceed(context, target, read.result());
                } else {
                    fail(context, read.cause());
                }
            });
        } else {
            proceed(context, target, null);
        }
    }

    /** An XML-RPC call's body, read (capped) and parsed on the parsing pool. */
    private Future<XmlRpcParsing.Parsed> readXmlRpc(HttpServerRequest request, String presented) {
        return XmlRpcBody.read(request, xmlRpcMaxBody, forwarder.wholeBodies())
                .compose(bytes -> xmlRpcParsing.parse(bytes, presented));
    }

    /**
     * The pipeline after the path check; {@code xmlRpc} is the XML-RPC call already read (when the client
     * presented no key in a header or the query), or null. Each step
     * runs at once when what it needs is at hand (the usual case: the key known here, a batch of its limits
     * held, the credential in memory), and waits only when it must read the store, ask Redis or refresh a
     * token; then the next steps run on the request's context ({@link Admitting}).
     */
    private void proceed(RoutingContext context, RequestTarget target, XmlRpcParsing.Parsed xmlRpc) {
        HttpServerRequest request = context.request();
        String address = request.remoteAddress().hostAddress();
        try {
            String presented = PresentedKey.find(request.headers(), target);
            if (presented == null && xmlRpc != null) {
                presented = xmlRpc.keyInBody();
            }
            Admitting admitting = new Admitting(context, target, address, presented, xmlRpc);
            ActiveKey held = keys.heldHolder(presented);
            if (held != null) {
                admitting.identified(held);
            } else {
                keys.holder(presented).subscribe().with(
                        key -> admitting.then(() -> admitting.identified(key)), admitting::refused);
            }
        } catch (GatewayException refused) {
            fail(context, guessing.refused(address, refused));
        }
    }

    /** One request on its way through the key check, the limits and the credential. */
    private final class Admitting {
        private final RoutingContext context;
        private final RequestTarget target;
        private final String address;
        private final String presented;
        private XmlRpcParsing.Parsed xmlRpc;
        private final Context vertxContext = Vertx.currentContext();
        private Connection connection;
        private Admission admission;
        private Decision decision;

        Admitting(RoutingContext context, RequestTarget target, String address, String presented,
                XmlRpcParsing.Parsed xmlRpc) {
            this.context = context;
            this.target = target;
            this.address = address;
            this.presented = presented;
            this.xmlRpc = xmlRpc;
        }

        /**
         * The secret matched: the request is noted in the key's activity, allowed or not. An XML-RPC call not
         * read yet is read now, its method name being part of the scope check.
         */
        void identified(ActiveKey holder) {
            noteInActivity(context, holder, target);
            if (xmlRpc != null || !XmlRpcBody.isXmlRpc(target)) {
                authorized(holder);
                return;
            }
            readXmlRpc(context.request(), presented).onComplete(read -> {
                if (read.succeeded()) {
                    xmlRpc = read.result();
                    authorized(holder);
                } else {
                    fail(context, read.cause());
                }
            });
        }

        /** Checks what the key may do; a failed check counts towards the address's key-guessing block. */
        private void authorized(ActiveKey holder) {
            ActiveKey key;
            try {
                key = keys.authorize(holder, context.request().method().name(), target.decodedPath(),
                        xmlRpc == null ? null : xmlRpc.methodName(), address);
            } catch (GatewayException refused) {
                fail(context, guessing.refused(address, refused));
                return;
            }
            try {
                admit(key);
            } catch (GatewayException refused) {
                fail(context, refused);
            }
        }

        /** The key's connection, its places in flight, then its limits. */
        private void admit(ActiveKey key) {
            ProxyTelemetry.of(context).identified(key.record().id(), key.record().connection());
            connection = connections.find(key.record().connection())
                    .orElseThrow(() -> Credentials.notConnected(key.record().connection()));
            admission = guards.admit(key.id(), key.record().maxConcurrent(), connection.name());
            context.addEndHandler(ended -> admission.release());
            if (!limitsEnabled) {
                limited(Decision.UNLIMITED);
                return;
            }
            LimitRequest limits = limitRequest(key, connection);
            Decision now = limiter.decideNow(limits);
            if (now != null) {
                limited(now);
            } else {
                limiter.acquire(limits).subscribe().with(decided -> then(() -> limited(decided)), this::failed);
            }
        }

        /** The limits decided: a denial is answered, an allowed request gets its credential. */
        private void limited(Decision decided) {
            try {
                telemetry.decided(decided);
                if (!decided.allowed()) {
                    throw decided.toException();
                }
                decision = decided;
                Credential held = credentials.held(connection);
                if (held != null) {
                    forward(context, target, connection, go(held));
                } else {
                    credentials.current(connection).subscribe().with(
                            credential -> then(() -> forward(context, target, connection, go(credential))), this::failed);
                }
            } catch (GatewayException refused) {
                fail(context, refused);
            }
        }

        private Go go(Credential credential) {
            return new Go(decision, credential, xmlRpc == null ? null : xmlRpc.towardsKeap(), admission);
        }

        /**
         * Runs {@code step} on the request's context: at once when this is already its event loop, else as a
         * task. The context alone does not tell: a worker thread running a custody or store step for this
         * request carries its context too, and a request touched from there races its event loop (a failure
         * answered from a worker thread found the request "already read" and left it unanswered).
         */
        void then(Runnable step) {
            if (Context.isOnEventLoopThread() && Vertx.currentContext() == vertxContext) {
                step.run();
            } else {
                vertxContext.runOnContext(ignored -> step.run());
            }
        }

        /** The key check failed after a store read. */
        void refused(Throwable failure) {
            then(() -> fail(context, failure instanceof GatewayException refused
                    ? guessing.refused(address, refused) : failure));
        }

        private void failed(Throwable failure) {
            then(() -> fail(context, failure));
        }
    }

    /**
     * When the response head goes out (its status known, Keap's latency too), the request is noted in the
     * key's activity. The head, not the end: a refusal may take the response's own end handler (to close the
     * connection), and a long download is worth showing before it ends.
     */
    private void noteInActivity(RoutingContext context, ActiveKey key, RequestTarget target) {
        String method = context.request().method().name();
        ProxyExchange exchange = ProxyTelemetry.of(context);
        context.addHeadersEndHandler(head -> activity.note(key.id(), method, target.rawPath(),
                context.response().getStatusCode(), exchange.upstreamMillis()));
    }

    /**
     * What a request needs once it has passed its limits; {@code body} is a body read already, or null.
     */
    private record Go(Decision decision, Credential credential, Buffer body, Admission admission) {
    }

    private void forward(RoutingContext context, RequestTarget target, Connection connection, Go go) {
        HttpServerRequest request = context.request();
        Admission admission = go.admission();
        try {
            admission.board();
        } catch (GatewayException full) {
            fail(context, full);
            return;
        }
        Map<String, String> limitHeaders = go.decision().headers();
        String requestId = context.get(RequestGuard.REQUEST_ID);
        ProxyExchange exchange = ProxyTelemetry.of(context);
        exchange.sendingUpstream();
        Future<KeapAnswer> answer;
        if (go.body() != null) {
            answer = connection.mode() == Mode.oauth
                    ? Replay.sendRead(forwarder, request, target, connection, go.credential(), credentials, requestId, go.body(),
                            admission)
                    : forwarder.send(request, target, go.credential(), requestId, go.body(), go.body().length(), admission)
                            .map(KeapAnswer::streaming);
        } else if (connection.mode() == Mode.oauth && Replay.replayable(request, replayBufferSize)) {
            answer = Replay.send(forwarder, request, target, connection, go.credential(), credentials, requestId,
                    replayBufferSize, admission);
        } else if (BoundedBody.unknownLength(request)) {
            answer = forwarder.wholeBodies().read(request, replayBufferSize).compose(body -> forwarder.send(request, target,
                    go.credential(), requestId, body, body.length(), admission)).map(KeapAnswer::streaming);
        } else {
            answer = forwarder.send(request, target, go.credential(), requestId, null, maxBody, admission)
                    .map(KeapAnswer::streaming);
        }
        Context vertxContext = Vertx.currentContext();
        answer.onComplete(ended -> telemetry.upstreamEnded(exchange)).onSuccess(keap -> {
            int status = keap.response().statusCode();
            admission.keapAnswered(status);
            if (status != 429) {
                limiter.observe(connection.name(), keap.response().headers(), status);
                relay(context, keap, limitHeaders);
                return;
            }
            // Keap's 429 reaches the client only once the block is in Redis: a client retrying at once through
            // another replica must find it there. Keap's answer stays paused meanwhile.
            limiter.observeAndShare(connection.name(), keap.response().headers(), status).subscribe().with(
                    shared -> vertxContext.runOnContext(ignored -> relay(context, keap, limitHeaders)));
        }).onFailure(failure -> {
            if (keapFailed(failure)) {
                admission.keapFailed();
            }
            fail(context, failure);
        });
    }

    private void relay(RoutingContext context, KeapAnswer keap, Map<String, String> limitHeaders) {
        if (context.response().closed()) {
            keap.response().request().reset(); // the client went away while Keap was working
            return;
        }
        forwarder.relay(keap, context, limitHeaders);
    }

    /**
     * Whether a failed exchange tells that Keap is failing: only a failure the forwarder saw on Keap's side
     * does, never the client's abort, reset or stall, a gateway limit, or a token problem (H-B).
     */
    private static boolean keapFailed(Throwable failure) {
        return ExchangeFailure.keapSide(failure);
    }

    private static LimitRequest limitRequest(ActiveKey key, Connection connection) {
        KeyRecord record = key.record();
        KeyRecord.Rate rate = record.rate();
        return new LimitRequest(record.id(), connection.name(), connection.mode() == Mode.api_key,
                rate == null ? null : rate.perSecond(), rate == null ? null : rate.burst(), record.dailyQuota(),
                record.priority() == KeyRecord.Priority.high);
    }

    private void fail(RoutingContext context, Throwable failure) {
        GatewayException error = failure instanceof GatewayException known ? known : Forwarder.translate(failure);
        // The class only: a message may quote a header value, e.g. Vert.x's header validation quotes the
        // credential it refused (review L-d). A client going away is its own business; Keap's side is worth a line.
        if (!(failure instanceof GatewayException || failure instanceof ExchangeFailure)) {
            LOG.warnf("request %s failed: %s", context.get(RequestGuard.REQUEST_ID), failure.getClass().getName());
        } else if (ExchangeFailure.keapSide(failure) && failure.getCause() != null) {
            LOG.warnf("request %s: Keap's side failed: %s", context.get(RequestGuard.REQUEST_ID),
                    failure.getCause().getClass().getName());
        }
        ProblemResponses.refuse(context, error, context.get(RequestGuard.REQUEST_ID), refusedBodyTimeout);
    }
}
