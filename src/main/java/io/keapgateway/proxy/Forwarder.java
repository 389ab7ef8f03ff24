package io.keapgateway.proxy;

import io.keapgateway.connection.Credential;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Sends one request to Keap and relays its answer, streaming both bodies with back-pressure. The client's
 * body is read only once the request to Keap exists; a failure on either side resets the other.
 */
@ApplicationScoped
class Forwarder {

    private final Upstream upstream;

    Forwarder(Upstream upstream) {
        this.upstream = upstream;
    }

    /**
     * Sends the request to Keap: the client's body is streamed from {@code client} unless {@code buffered}
     * is given (a body read earlier so that the request can be replayed).
     */
    Future<HttpClientResponse> send(HttpServerRequest client, RequestTarget target, Credential credential,
            String requestId, Buffer buffered, long maxBody) {
        MultiMap headers = HeaderHygiene.towardsKeap(client.headers())
                .set("Host", upstream.hostHeader())
                .set(credential.header(), credential.value())
                .set("X-Request-Id", requestId);
        RequestOptions options = upstream.request(target.forwardedUri())
                .setMethod(client.method())
                .setHeaders(headers);
        Promise<HttpClientResponse> answer = Promise.promise();
        upstream.client().request(options).onComplete(opened -> {
            if (opened.failed()) {
                answer.fail(translate(opened.cause()));
                return;
            }
            HttpClientRequest toKeap = opened.result();
            toKeap.response().onComplete(response -> {
                if (response.succeeded()) {
                    // Paused until the caller decides what to do with the body: relay, or read and replay.
                    answer.tryComplete(response.result().pause());
                } else {
                    answer.tryFail(translate(response.cause()));
                }
            });
            Runnable sent = () -> toKeap.idleTimeout(upstream.responseTimeoutMillis());
            if (buffered != null) {
                toKeap.end(buffered).onSuccess(v -> sent.run());
            } else {
                streamBody(client, toKeap, maxBody, answer, sent);
            }
        });
        return answer.future();
    }

    /** Relays Keap's answer to the client, adding the gateway's own headers. */
    void relay(KeapAnswer answer, HttpServerResponse toClient, Map<String, String> extraHeaders) {
        HttpClientResponse fromKeap = answer.response();
        toClient.setStatusCode(fromKeap.statusCode());
        if (fromKeap.statusMessage() != null) {
            toClient.setStatusMessage(fromKeap.statusMessage());
        }
        toClient.headers().addAll(HeaderHygiene.towardsClient(fromKeap.headers()));
        extraHeaders.forEach(toClient::putHeader);
        if (!toClient.headers().contains("Content-Length") && mayHaveBody(fromKeap)) {
            toClient.setChunked(true);
        }
        if (answer.body() != null) {
            toClient.end(answer.body());
            return;
        }
        toClient.closeHandler(closed -> fromKeap.request().reset());
        fromKeap.pipeTo(toClient).onFailure(failure -> toClient.reset());
    }

    private static boolean mayHaveBody(HttpClientResponse response) {
        int status = response.statusCode();
        return status >= 200 && status != 204 && status != 304
                && !"HEAD".equals(response.request().getMethod().name());
    }

    /** Pipes the client's body to Keap, counting bytes so that a chunked body cannot exceed the limit. */
    private static void streamBody(HttpServerRequest client, HttpClientRequest toKeap, long maxBody,
            Promise<HttpClientResponse> answer, Runnable sent) {
        String length = client.getHeader("Content-Length");
        boolean chunked = client.getHeader("Transfer-Encoding") != null;
        if (length == null && !chunked) {
            toKeap.end().onSuccess(v -> sent.run());
            return;
        }
        if (length != null) {
            toKeap.putHeader("Content-Length", length);
        } else {
            toKeap.setChunked(true);
        }
        if ("100-continue".equalsIgnoreCase(client.getHeader("Expect"))) {
            client.response().writeContinue();
        }
        long[] seen = {0};
        client.handler(chunk -> {
            seen[0] += chunk.length();
            if (seen[0] > maxBody) {
                client.handler(null);
                // Answer first: resetting the request to Keap fails its response future too.
                answer.tryFail(new GatewayException(ErrorCode.PAYLOAD_TOO_LARGE,
                        "The request body is larger than the gateway accepts (" + maxBody + " bytes)."));
                toKeap.reset();
                return;
            }
            toKeap.write(chunk);
            if (toKeap.writeQueueFull()) {
                client.pause();
                toKeap.drainHandler(drained -> client.resume());
            }
        });
        client.endHandler(end -> toKeap.end().onSuccess(v -> sent.run()));
        client.exceptionHandler(failure -> toKeap.reset());
        client.resume();
    }

    /** Maps transport failures to the gateway's errors; the cause is not shown to the client. */
    static GatewayException translate(Throwable failure) {
        if (failure instanceof GatewayException known) {
            return known;
        }
        if (failure instanceof TimeoutException) { // Vert.x's idle timeout: Keap went quiet mid-exchange
            return new GatewayException(ErrorCode.UPSTREAM_TIMEOUT, "Keap did not answer in time.");
        }
        return new GatewayException(ErrorCode.UPSTREAM_UNAVAILABLE, "Keap could not be reached.");
    }
}
