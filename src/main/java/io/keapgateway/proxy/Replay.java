package io.keapgateway.proxy;

import io.keapgateway.connection.Connection;
import io.keapgateway.connection.Credential;
import io.keapgateway.connection.Credentials;
import io.keapgateway.keap.ApigeeFault;
import io.keapgateway.resilience.Admission;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;

/**
 * The one retry the proxy makes (CONTRACT.md "Proxying"): when Keap rejects an OAuth access token with a
 * 401, the token is refreshed once (shared with every request that saw the same token rejected) and the
 * request is sent again. Only a request whose body is in memory can be sent twice, so OAuth requests with
 * no body or a small one (at most {@code keap-gateway.proxy.replay-buffer-size}) are read whole before
 * they are forwarded, never past that size ({@link BoundedBody}); larger ones stream and are never replayed.
 */
final class Replay {

    private Replay() {
    }

    /** True if the request's body fits the replay buffer (or there is none, or its length is unknown). */
    static boolean replayable(HttpServerRequest request, long replayBufferSize) {
        if (request.getHeader("Transfer-Encoding") != null) {
            return false;
        }
        String length = request.getHeader("Content-Length");
        return length == null || Long.parseLong(length.trim()) <= replayBufferSize;
    }

    /** Reads the request body whole, sends it, and replays it once after a token-rejecting 401. */
    static Future<KeapAnswer> send(Forwarder forwarder, HttpServerRequest request, RequestTarget target,
            Connection connection, Credential credential, Credentials credentials, String requestId,
            long replayBufferSize, Admission admission) {
        if ("100-continue".equalsIgnoreCase(request.getHeader("Expect"))) {
            request.response().writeContinue();
        }
        return forwarder.wholeBodies().read(request, replayBufferSize).compose(bytes -> sendRead(forwarder, request, target,
                connection, credential, credentials, requestId, bytes, admission));
    }

    /** Sends a body read already, and replays it once after a token-rejecting 401. */
    static Future<KeapAnswer> sendRead(Forwarder forwarder, HttpServerRequest request, RequestTarget target,
            Connection connection, Credential credential, Credentials credentials, String requestId, Buffer bytes,
            Admission admission) {
        return forwarder.send(request, target, credential, requestId, bytes, bytes.length(), admission)
                .compose(response -> response.statusCode() != 401
                        ? Future.succeededFuture(KeapAnswer.streaming(response))
                        : afterUnauthorized(forwarder, request, target, connection, credential, credentials,
                                requestId, bytes, response, admission));
    }

    private static Future<KeapAnswer> afterUnauthorized(Forwarder forwarder, HttpServerRequest request,
            RequestTarget target, Connection connection, Credential rejected, Credentials credentials,
            String requestId, Buffer bytes, HttpClientResponse unauthorized, Admission admission) {
        Future<Buffer> rejectionBody = unauthorized.body();
        unauthorized.resume();
        Context context = Vertx.currentContext();
        return rejectionBody.compose(rejection -> {
            if (!ApigeeFault.tokenRejected(rejection)) {
                return Future.succeededFuture(new KeapAnswer(unauthorized, rejection));
            }
            // The refresh may complete on a worker thread: carry on where this request lives.
            Promise<Credential> refreshed = Promise.promise();
            credentials.afterRejection(connection, rejected).subscribe().with(
                    fresh -> context.runOnContext(v -> refreshed.complete(fresh)),
                    failure -> context.runOnContext(v -> refreshed.fail(failure)));
            return refreshed.future().compose(fresh -> fresh == null
                    ? Future.succeededFuture(new KeapAnswer(unauthorized, rejection)) // not refreshed: Keap's 401 as is
                    : forwarder.send(request, target, fresh, requestId, bytes, bytes.length(), admission)
                            .map(KeapAnswer::streaming));
        });
    }
}
