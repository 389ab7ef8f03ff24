package io.keapgateway.proxy;

import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;

/**
 * The client's request body on its way to Keap. No upstream connection is taken for it until its first
 * bytes arrive, and a client whose body stops flowing for {@code keap-gateway.proxy.client-idle-timeout} is
 * cut off, so a stalled upload never holds a connection to Keap. Bytes are counted, so that a chunked body
 * cannot exceed the size limit.
 */
final class ClientBody {

    private final Vertx vertx;
    private final long idleMillis;

    ClientBody(Vertx vertx, long idleMillis) {
        this.vertx = vertx;
        this.idleMillis = idleMillis;
    }

    /** Whether the request declares a body (a length above zero, or chunked). */
    static boolean declared(HttpServerRequest client) {
        String length = client.getHeader("Content-Length");
        return client.getHeader("Transfer-Encoding") != null || (length != null && !"0".equals(length.trim()));
    }

    /** The first bytes of the body (empty if it ends at once); the request is paused again once they are here. */
    Future<Buffer> firstBytes(HttpServerRequest client) {
        if ("100-continue".equalsIgnoreCase(client.getHeader("Expect"))) {
            client.response().writeContinue();
        }
        Promise<Buffer> first = Promise.promise();
        long timer = vertx.setTimer(idleMillis, id -> first.tryFail(stalled(idleMillis)));
        client.handler(chunk -> {
            client.pause();
            vertx.cancelTimer(timer);
            first.tryComplete(chunk);
        });
        client.endHandler(end -> {
            vertx.cancelTimer(timer);
            first.tryComplete(Buffer.buffer());
        });
        client.exceptionHandler(failure -> {
            vertx.cancelTimer(timer);
            first.tryFail(ExchangeFailure.client(failure));
        });
        client.resume();
        return first.future();
    }

    /**
     * Writes {@code first}, then pipes the rest of the body to Keap with back-pressure. {@code whole} runs
     * when the client's body has all arrived, before the request to Keap is ended (it may refuse, with a
     * {@link GatewayException}: the request to Keap is then reset); {@code sent} runs once it is all sent.
     */
    void stream(HttpServerRequest client, Buffer first, HttpClientRequest toKeap, long maxBody,
            Promise<HttpClientResponse> answer, Runnable whole, Runnable sent) {
        String length = client.getHeader("Content-Length");
        if (length != null) {
            toKeap.putHeader("Content-Length", length);
        } else {
            toKeap.setChunked(true);
        }
        IdleTimer idle = new IdleTimer(vertx, idleMillis, () -> {
            client.handler(null);
            answer.tryFail(stalled(idleMillis)); // answer first: resetting the request to Keap fails its response too
            toKeap.reset();
        });
        long[] seen = {0};
        Handler<Buffer> forward = chunk -> {
            idle.progress();
            seen[0] += chunk.length();
            if (seen[0] > maxBody) {
                client.handler(null);
                idle.cancel();
                answer.tryFail(new GatewayException(ErrorCode.PAYLOAD_TOO_LARGE,
                        "The request body is larger than the gateway accepts (" + maxBody + " bytes)."));
                toKeap.reset();
                return;
            }
            toKeap.write(chunk);
            if (toKeap.writeQueueFull()) {
                client.pause();
                idle.suspend(); // Keap is slow to take the body: not the client's fault
                toKeap.drainHandler(drained -> {
                    idle.watch();
                    client.resume();
                });
            }
        };
        if (first.length() > 0) {
            forward.handle(first);
        }
        if (answer.future().isComplete()) {
            return; // already refused (too large)
        }
        if (client.isEnded()) {
            idle.cancel();
            end(toKeap, answer, whole, sent);
            return;
        }
        client.handler(forward);
        client.endHandler(end -> {
            idle.cancel();
            end(toKeap, answer, whole, sent);
        });
        client.exceptionHandler(failure -> {
            idle.cancel();
            // the client's side failed: answer so before the reset fails the request to Keap (H-B)
            answer.tryFail(ExchangeFailure.client(failure));
            toKeap.reset();
        });
        idle.watch();
        client.resume();
    }

    private static void end(HttpClientRequest toKeap, Promise<HttpClientResponse> answer, Runnable whole,
            Runnable sent) {
        try {
            whole.run();
        } catch (GatewayException refused) {
            answer.tryFail(refused);
            toKeap.reset();
            return;
        }
        toKeap.end().onSuccess(v -> sent.run());
    }

    /** What a client whose body stopped flowing for {@code idleMillis} is answered. */
    static GatewayException stalled(long idleMillis) {
        return new GatewayException(ErrorCode.BAD_REQUEST,
                "The request body stopped flowing for " + idleMillis + " ms; the request was cut off.");
    }
}
