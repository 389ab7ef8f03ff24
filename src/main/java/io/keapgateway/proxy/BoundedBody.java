package io.keapgateway.proxy;

import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.function.Supplier;

/**
 * Reads a request body into memory, never more than a cap whatever the framing says: the replay buffer
 * (CONTRACT.md "Proxying"), XML-RPC calls, and bodies of unknown length. HTTP/2 needs neither
 * {@code Content-Length} nor chunked framing (h2c is on in Vert.x, and HTTP/2 load balancers send such
 * bodies), so such a body is read here up to {@code keap-gateway.proxy.replay-buffer-size} and sent with a
 * length; a longer one is refused with 411 {@code length_required}. A body that stops flowing for
 * {@code keap-gateway.proxy.client-idle-timeout} is refused with 400, as a streamed one is ({@link ClientBody}).
 */
final class BoundedBody {

    private final Vertx vertx;
    private final long idleMillis;

    BoundedBody(Vertx vertx, long idleMillis) {
        this.vertx = vertx;
        this.idleMillis = idleMillis;
    }

    /** True for a body whose length nothing announces: HTTP/2 without {@code Content-Length}. */
    static boolean unknownLength(HttpServerRequest request) {
        return request.version() == HttpVersion.HTTP_2 && request.getHeader("Content-Length") == null;
    }

    /** The whole body, or a 411 once it grows past {@code cap} bytes (the rest is then left unread). */
    Future<Buffer> read(HttpServerRequest request, long cap) {
        return read(request, cap, () -> new GatewayException(ErrorCode.LENGTH_REQUIRED, "A request body without a "
                + "Content-Length is accepted up to " + cap + " bytes; send a Content-Length for a larger one."));
    }

    /** The whole body of the (paused) request, or {@code overCap}'s error once it grows past {@code cap} bytes. */
    Future<Buffer> read(HttpServerRequest request, long cap, Supplier<GatewayException> overCap) {
        Promise<Buffer> body = Promise.promise();
        Buffer bytes = Buffer.buffer();
        IdleTimer idle = new IdleTimer(vertx, idleMillis, () -> {
            stopReading(request);
            body.tryFail(ClientBody.stalled(idleMillis));
        });
        request.handler(chunk -> {
            idle.progress();
            if (bytes.length() + (long) chunk.length() > cap) {
                idle.cancel();
                stopReading(request); // the refusal throws the rest away
                body.tryFail(overCap.get());
                return;
            }
            bytes.appendBuffer(chunk);
        });
        request.endHandler(end -> {
            idle.cancel();
            body.tryComplete(bytes);
        });
        request.exceptionHandler(failure -> {
            idle.cancel();
            body.tryFail(ExchangeFailure.client(failure)); // the client closed or reset: not Keap's failure
        });
        idle.watch();
        request.resume();
        return body.future();
    }

    private static void stopReading(HttpServerRequest request) {
        request.handler(null);
        request.endHandler(null);
        request.pause();
    }
}
