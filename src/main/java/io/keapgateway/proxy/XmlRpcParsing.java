package io.keapgateway.proxy;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where XML-RPC calls are parsed: a small pool of its own with a bounded queue, so that parsing never runs
 * on an event loop (which the management port's liveness shares) nor on the worker pool, and a flood of
 * calls costs at most these threads for at most the parse budget each. A full queue, or a call that waited
 * longer than the budget, is answered 503 {@code upstream_unavailable} with {@code Retry-After} at once:
 * the gateway is busy, the call may be fine. A parse over budget is answered 400 {@code bad_request}.
 */
@Singleton
class XmlRpcParsing {

    private final ThreadPoolExecutor pool;
    private final XmlRpcCall.Limits limits;

    XmlRpcParsing(GatewayConfig config) {
        GatewayConfig.Proxy proxy = config.proxy();
        atLeast("xmlrpc-max-depth", proxy.xmlrpcMaxDepth(), 8);
        atLeast("xmlrpc-max-elements", proxy.xmlrpcMaxElements(), 16);
        atLeast("xmlrpc-max-text-length", proxy.xmlrpcMaxTextLength(), 1024);
        atLeast("xmlrpc-parse-timeout (ms)", proxy.xmlrpcParseTimeout().toMillis(), 10);
        atLeast("xmlrpc-parse-threads", proxy.xmlrpcParseThreads(), 1);
        atLeast("xmlrpc-parse-queue", proxy.xmlrpcParseQueue(), 1);
        this.limits = new XmlRpcCall.Limits(proxy.xmlrpcMaxDepth(), proxy.xmlrpcMaxElements(),
                proxy.xmlrpcMaxTextLength(), proxy.xmlrpcParseTimeout().toNanos());
        AtomicInteger threads = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(proxy.xmlrpcParseThreads(), proxy.xmlrpcParseThreads(), 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(proxy.xmlrpcParseQueue()), task -> {
                    Thread thread = new Thread(task, "kgw-xmlrpc-parse-" + threads.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
    }

    /**
     * A call read, parsed and checked: its method name, the key its first parameter holds if the client
     * presented none elsewhere, and the body to send to Keap.
     *
     * @param methodName the method, which decides the scope
     * @param keyInBody the gateway key found in the first parameter, or null
     * @param towardsKeap the body with any key in the first parameter neutralised
     */
    record Parsed(String methodName, String keyInBody, Buffer towardsKeap) {
    }

    /**
     * Parses {@code bytes} on the pool; {@code presented} is the key from a header or the query, or null.
     * The future completes on the caller's context.
     */
    Future<Parsed> parse(Buffer bytes, String presented) {
        Context caller = Vertx.currentContext();
        Promise<Parsed> parsed = Promise.promise();
        long queuedUntil = System.nanoTime() + limits.budgetNanos();
        try {
            pool.execute(() -> {
                GatewayException busy = System.nanoTime() - queuedUntil > 0 ? busy() : null;
                try {
                    Parsed result = busy == null ? parseNow(bytes, presented) : null;
                    caller.runOnContext(ignored -> parsed.handle(busy == null ? Future.succeededFuture(result)
                            : Future.failedFuture(busy)));
                } catch (RuntimeException refused) {
                    caller.runOnContext(ignored -> parsed.fail(refused));
                }
            });
        } catch (RejectedExecutionException full) {
            return Future.failedFuture(busy());
        }
        return parsed.future();
    }

    private Parsed parseNow(Buffer bytes, String presented) {
        XmlRpcBody body = XmlRpcBody.parse(bytes, limits);
        String inBody = presented == null ? body.keyInFirstParameter() : null;
        return new Parsed(body.call().methodName(), inBody, body.towardsKeap(presented != null ? presented : inBody));
    }

    private static GatewayException busy() {
        return new GatewayException(ErrorCode.UPSTREAM_UNAVAILABLE, 503,
                "The gateway is busy reading other XML-RPC calls; retry shortly.", Map.of("Retry-After", "1"));
    }

    private static void atLeast(String name, long value, long least) {
        if (value < least) {
            throw new IllegalArgumentException("keap-gateway.proxy." + name + " must be at least " + least + ": " + value);
        }
    }

    @PreDestroy
    void stop() {
        pool.shutdownNow();
    }
}
