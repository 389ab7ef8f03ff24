package io.keapgateway.proxy;

import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

/**
 * Reads a request body into memory, never more than a cap whatever the framing says: the replay buffer
 * (CONTRACT.md "Proxying"), and bodies of unknown length. HTTP/2 needs neither {@code Content-Length} nor
 * chunked framing (h2c is on in Vert.x, and HTTP/2 load balancers send such bodies), so such a body is read
 * here up to {@code keap-gateway.proxy.replay-buffer-size} and sent with a length; a longer one is refused
 * with 411 {@code length_required}.
 */
final class BoundedBody {

    private BoundedBody() {
    }

    /** True for a body whose length nothing announces: HTTP/2 without {@code Content-Length}. */
    static boolean unknownLength(HttpServerRequest request) {
        return request.version() == HttpVersion.HTTP_2 && request.getHeader("Content-Length") == null;
    }

    /** The whole body, or a 411 once it grows past {@code cap} bytes (the rest is then left unread). */
    static Future<Buffer> read(HttpServerRequest request, long cap) {
        Promise<Buffer> body = Promise.promise();
        Buffer bytes = Buffer.buffer();
        request.handler(chunk -> {
            if (bytes.length() + (long) chunk.length() > cap) {
                request.handler(null);
                request.endHandler(null);
                request.pause();
                body.tryFail(new GatewayException(ErrorCode.LENGTH_REQUIRED, "A request body without a "
                        + "Content-Length is accepted up to " + cap + " bytes; send a Content-Length for a larger one."));
                return;
            }
            bytes.appendBuffer(chunk);
        });
        request.endHandler(end -> body.tryComplete(bytes));
        request.exceptionHandler(body::tryFail);
        request.resume();
        return body.future();
    }
}
