package io.keapgateway.error;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.Json;

/** Writes problems onto raw Vert.x responses (the proxy and callback paths). */
public final class ProblemResponses {

    private ProblemResponses() {
    }

    /** Answers {@code error}, unless a response has already been started (then the connection is reset). */
    public static void send(HttpServerResponse response, GatewayException error, String requestId) {
        if (response.headWritten()) {
            response.reset();
            return;
        }
        error.headers().forEach(response::putHeader);
        String body = Json.encode(Problem.of(error.code(), error.detail(), requestId));
        response.setStatusCode(error.code().status())
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
            request.response().putHeader("Connection", "close");
            request.response().endHandler(v -> request.connection().close());
        }
        send(request.response(), error, requestId);
    }
}
