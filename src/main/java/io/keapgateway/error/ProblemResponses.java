package io.keapgateway.error;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.Json;

/** Writes problems onto raw Vert.x responses (the proxy and callback paths). */
public final class ProblemResponses {

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
     * Answers a request refused before its body was read. The connection is closed after the answer: the
     * unread body would otherwise be taken for the next request on it.
     */
    public static void refuse(HttpServerRequest request, GatewayException error, String requestId) {
        boolean unreadBody = request.getHeader("Transfer-Encoding") != null
                || (request.getHeader("Content-Length") != null && !"0".equals(request.getHeader("Content-Length").trim()));
        if (unreadBody) {
            // Closed once written, through the write's future: the response's end handler belongs to Vert.x Web.
            request.response().putHeader("Connection", "close");
            send(request.response(), error, requestId).onComplete(written -> request.connection().close());
        } else {
            send(request.response(), error, requestId);
        }
    }
}
