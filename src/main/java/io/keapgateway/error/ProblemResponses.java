package io.keapgateway.error;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.Json;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;

/** Writes problems onto raw Vert.x responses (the proxy and callback paths). */
public final class ProblemResponses {

    /** HTTP/2's NO_ERROR: "stop sending, your request is answered" (RFC 9113 section 8.1). */
    private static final long NO_ERROR = 0;

    private ProblemResponses() {
    }

    /**
     * Answers {@code error}, unless a response has already been started (then the connection is reset).
     * Answers when the answer has been written.
     */
    public static Future<Void> send(HttpServerResponse response, GatewayException error, String requestId) {
        if (response.headWritten() || response.closed()) {
            response.reset();
            return Future.succeededFuture();
        }
        error.headers().forEach(response::putHeader);
        String body = Json.encode(Problem.of(error, requestId));
        return response.setStatusCode(error.status())
                .putHeader("Content-Type", Problem.MEDIA_TYPE)
                .putHeader("Cache-Control", "no-store")
                .end(body);
    }

    /**
     * Answers a request refused before all of its body was read. The rest of the body is read and thrown
     * away for at most {@code discardFor}: a client still sending would otherwise have its connection reset
     * before it reads the answer. Then an HTTP/1 connection is closed (its unread bytes would be taken for the
     * next request), and an HTTP/2 stream still open is reset with NO_ERROR (its connection, and the other
     * requests on it, carry on).
     */
    public static void refuse(RoutingContext context, GatewayException error, String requestId, Duration discardFor) {
        HttpServerRequest request = context.request();
        if (request.isEnded()) {
            send(request.response(), error, requestId);
            return;
        }
        boolean http2 = request.version() == HttpVersion.HTTP_2;
        if (!http2) {
            request.response().putHeader("Connection", "close");
        }
        Future<Void> written = send(request.response(), error, requestId);
        long timer = context.vertx().setTimer(Math.max(1, discardFor.toMillis()), late -> finish(request, http2));
        request.handler(discarded -> {
        });
        request.exceptionHandler(failed -> finish(request, http2));
        request.endHandler(ended -> {
            context.vertx().cancelTimer(timer);
            written.onComplete(done -> finish(request, http2));
        });
        request.resume();
    }

    /**
     * Answers a request whose framing cannot be trusted (two lengths, an unknown transfer coding): nothing
     * after its head is read, and the connection (HTTP/1) or stream (HTTP/2) is closed once the answer is out.
     */
    public static void refuseUnframed(HttpServerRequest request, GatewayException error, String requestId) {
        boolean http2 = request.version() == HttpVersion.HTTP_2;
        if (!http2) {
            request.response().putHeader("Connection", "close");
        }
        send(request.response(), error, requestId).onComplete(written -> finish(request, http2));
    }

    /** Ends what is left of a refused request: its HTTP/1 connection, or its HTTP/2 stream if still open. */
    private static void finish(HttpServerRequest request, boolean http2) {
        if (http2) {
            request.response().reset(NO_ERROR); // a no-op once both sides of the stream have ended
        } else {
            request.connection().close(); // closing twice is harmless
        }
    }
}
