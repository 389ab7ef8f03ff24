package io.keapgateway.error;

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
}
