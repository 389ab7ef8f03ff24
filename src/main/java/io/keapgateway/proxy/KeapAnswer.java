package io.keapgateway.proxy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

/**
 * Keap's response to relay, with its body either still to be streamed ({@code body} null) or already read
 * (a 401 that had to be inspected before it could be relayed).
 */
record KeapAnswer(HttpClientResponse response, Buffer body) {

    static KeapAnswer streaming(HttpClientResponse response) {
        return new KeapAnswer(response, null);
    }
}
