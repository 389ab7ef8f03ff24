package io.keapgateway.proxy;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.connection.Credential;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.keapgateway.resilience.Admission;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Sends one request to Keap and relays its answer, streaming both bodies with back-pressure. A pooled
 * connection to Keap is taken only once the client's body flows (or at once when there is none), and the
 * wait for one is bounded; a failure on either side resets the other, and says whose side failed
 * ({@link ExchangeFailure}). Nothing is sent twice here (the one replay, after a 401, is {@link Replay}'s).
 */
@Singleton // no client proxy: it serves every proxied request (docs/benchmarks.md "What the profile changed")
class Forwarder {

    private final Upstream upstream;
    private final Vertx vertx;
    private final ClientBody bodies;
    private final BoundedBody wholeBodies;
    private final long clientIdleMillis;

    Forwarder(Upstream upstream, Vertx vertx, GatewayConfig config) {
        this.upstream = upstream;
        this.vertx = vertx;
        this.clientIdleMillis = config.proxy().clientIdleTimeout().toMillis();
        this.bodies = new ClientBody(vertx, clientIdleMillis);
        this.wholeBodies = new BoundedBody(vertx, clientIdleMillis);
    }

    /** Reads bodies whole (to replay them, to parse an XML-RPC call, or to learn their length). */
    BoundedBody wholeBodies() {
        return wholeBodies;
    }

    /**
     * Sends the request to Keap: the client's body is streamed from {@code client} unless {@code buffered}
     * is given (a body read earlier so that the request can be replayed). {@code admission} learns when the
     * request is about to be sent whole (the moment a half-open circuit's probe starts).
     */
    Future<HttpClientResponse> send(HttpServerRequest client, RequestTarget target, Credential credential,
            String requestId, Buffer buffered, long maxBody, Admission admission) {
        MultiMap headers = HeaderHygiene.towardsKeap(client.headers())
                .set("Host", upstream.hostHeader())
                .set(credential.header(), credential.value())
                .set("X-Request-Id", requestId);
        RequestOptions options = upstream.request(target.forwardedUri())
                .setMethod(client.method())
                .setHeaders(headers);
        if (buffered == null && ClientBody.declared(client)) {
            return bodies.firstBytes(client).compose(first -> open(options).compose(toKeap -> {
                Promise<HttpClientResponse> answer = answer(toKeap);
                bodies.stream(client, first, toKeap, maxBody, answer, admission::sendingWhole,
                        () -> armResponseTimeout(toKeap));
                return answer.future();
            }));
        }
        try {
            admission.sendingWhole(); // nothing more to wait for from the client
        } catch (GatewayException refused) {
            return Future.failedFuture(refused);
        }
        return open(options).compose(toKeap -> {
            Promise<HttpClientResponse> answer = answer(toKeap);
            (buffered == null ? toKeap.end() : toKeap.end(buffered)).onSuccess(v -> armResponseTimeout(toKeap));
            return answer.future();
        });
    }

    /**
     * A pooled connection to Keap, waited for at most the pool-wait timeout. Either failure is of Keap's
     * side: the wait includes opening a connection, and pooled connections are held only by requests sent
     * or being sent to Keap.
     */
    private Future<HttpClientRequest> open(RequestOptions options) {
        return upstream.client().request(options).recover(failure -> Future.failedFuture(ExchangeFailure.keap(failure,
                failure instanceof TimeoutException
                        ? new GatewayException(ErrorCode.UPSTREAM_UNAVAILABLE, 503,
                                "No connection to Keap became free in time.", Map.of("Retry-After", "1"))
                        : translate(failure))));
    }

    private static Promise<HttpClientResponse> answer(HttpClientRequest toKeap) {
        Promise<HttpClientResponse> answer = Promise.promise();
        // Every failure of the request reaches the answer through its response; without a handler of its own,
        // Vert.x would also log at ERROR each reset the gateway makes on purpose (a refused or stalled upload).
        toKeap.exceptionHandler(failure -> {
        });
        toKeap.response().onComplete(response -> {
            if (response.succeeded()) {
                // Paused until the caller decides what to do with the body: relay, or read and replay. Until the
                // relay takes it over, a failure of Keap's side (the gateway resetting it for a client that went
                // away) is no news: without a handler, Vert.x would log it at ERROR.
                answer.tryComplete(response.result().exceptionHandler(failure -> {
                }).pause());
            } else {
                // Keap's side: a failure the gateway causes (client gone, upload stalled) fails the answer first.
                answer.tryFail(ExchangeFailure.keap(response.cause(), translate(response.cause())));
            }
        });
        return answer;
    }

    /** Armed only once the request is sent whole, so that a long upload is not mistaken for a silent Keap. */
    private void armResponseTimeout(HttpClientRequest toKeap) {
        toKeap.idleTimeout(upstream.responseTimeoutMillis());
    }

    /**
     * Relays Keap's answer to the client, adding the gateway's own headers. A client that stops reading
     * for the client idle timeout is cut off, and so is Keap's side when the client goes away.
     */
    void relay(KeapAnswer answer, RoutingContext context, Map<String, String> extraHeaders) {
        HttpClientResponse fromKeap = answer.response();
        HttpServerResponse toClient = context.response();
        toClient.setStatusCode(fromKeap.statusCode());
        if (fromKeap.statusMessage() != null) {
            toClient.setStatusMessage(fromKeap.statusMessage());
        }
        // Keap's headers join the gateway's nosniff and sandbox, set on this answer by the guard (asData).
        toClient.headers().addAll(HeaderHygiene.towardsClient(fromKeap.headers()));
        extraHeaders.forEach(toClient::putHeader);
        if (!toClient.headers().contains("Content-Length") && mayHaveBody(fromKeap)) {
            toClient.setChunked(true);
        }
        if (answer.body() != null) {
            toClient.end(answer.body());
            return;
        }
        IdleTimer reader = new IdleTimer(vertx, clientIdleMillis, () -> {
            fromKeap.request().reset();
            toClient.reset();
        });
        context.addEndHandler(ended -> {
            reader.cancel();
            if (ended.failed()) {
                fromKeap.request().reset();
            }
        });
        fromKeap.handler(chunk -> {
            if (toClient.closed()) {
                return; // the end handler above is resetting Keap's side
            }
            toClient.write(chunk);
            if (toClient.writeQueueFull()) {
                fromKeap.pause();
                reader.watch();
                toClient.drainHandler(drained -> {
                    reader.suspend();
                    fromKeap.resume();
                });
            }
        });
        fromKeap.endHandler(end -> toClient.end());
        fromKeap.exceptionHandler(failure -> toClient.reset());
        fromKeap.resume();
    }

    /**
     * Marks an answer on a proxy path as data, never a page of the gateway's origin: Keap answers some calls
     * with its own HTML (e.g. {@code GET /rest/v2/webforms/{id}:data}), whose scripts would otherwise run where
     * the console may live. API clients ignore both headers. {@link RequestGuard} sets them on every answer of a
     * proxy path as it arrives, refusals included; {@link HeaderHygiene} keeps Keap's own copies out.
     */
    static void asData(HttpServerResponse response) {
        response.headers().set("X-Content-Type-Options", "nosniff")
                .set("Content-Security-Policy", "sandbox; default-src 'none'");
    }

    private static boolean mayHaveBody(HttpClientResponse response) {
        int status = response.statusCode();
        return status >= 200 && status != 204 && status != 304
                && !"HEAD".equals(response.request().getMethod().name());
    }

    /** Maps transport failures to the gateway's errors; the cause is not shown to the client. */
    static GatewayException translate(Throwable failure) {
        if (failure instanceof GatewayException known) {
            return known;
        }
        if (failure instanceof ExchangeFailure exchange) {
            return exchange.answer();
        }
        if (failure instanceof TimeoutException) { // Vert.x's idle timeout: Keap went quiet mid-exchange
            return new GatewayException(ErrorCode.UPSTREAM_TIMEOUT, "Keap did not answer in time.");
        }
        return new GatewayException(ErrorCode.UPSTREAM_UNAVAILABLE, "Keap could not be reached.");
    }
}
