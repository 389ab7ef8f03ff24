package io.keapgateway.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AttributeKey;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.vertx.core.Handler;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;

/**
 * Keeps the server idle timeout ({@code quarkus.http.idle-timeout}) for the silences a client is answerable
 * for: headers that stop coming, and a kept-alive connection nobody uses. Vert.x closes a connection silent in
 * both directions for that long even while the gateway is working on one of its requests, so a Keap answer,
 * or a token refresh an admin call waits for, slower than the idle timeout was cut off although its own
 * budget ({@code keap-gateway.proxy.response-timeout}, {@code keap-gateway.oauth.token-timeout}) allowed it.
 * Here, a connection on which the gateway owes an answer is not idle. What the client is answerable for while
 * its request is in progress has timers of its own: every read of a body and the wait for a client to read
 * the answer ({@code keap-gateway.proxy.client-idle-timeout}), the throwing away of a refused body
 * ({@code keap-gateway.proxy.refused-body-timeout}); admin bodies are read whole by {@link RequestGuard}
 * before this handler runs, under the idle timeout.
 */
final class OwedAnswers implements Handler<RoutingContext> {

    /** Where Vert.x puts its idle timer in a connection's pipeline (HTTP/1 and HTTP/2 alike). */
    private static final String IDLE = "idle";
    private static final String NAME = "keap-gateway-owed-answers";

    /** How many answers the gateway owes a connection; read and written on its event loop only. */
    private static final AttributeKey<int[]> OWED = AttributeKey.valueOf("keap-gateway.owed-answers");

    @Override
    public void handle(RoutingContext context) {
        if (context.request().connection() instanceof ConnectionBase connection) {
            Channel channel = connection.channel();
            // Requests are handled on their connection's event loop, where the pipeline may change.
            if (channel.eventLoop().inEventLoop() && placed(channel)) {
                owed(channel)[0]++;
                context.addEndHandler(ended -> release(channel));
            }
        }
        context.next();
    }

    private static void release(Channel channel) {
        if (channel.eventLoop().inEventLoop()) {
            owed(channel)[0]--;
        } else {
            channel.eventLoop().execute(() -> owed(channel)[0]--);
        }
    }

    private static int[] owed(Channel channel) {
        int[] owed = channel.attr(OWED).get();
        if (owed == null) {
            owed = new int[1];
            channel.attr(OWED).set(owed);
        }
        return owed;
    }

    /**
     * Puts the swallower right after the idle timer (where its events pass), unless it is there already;
     * false when the connection has no idle timer.
     */
    private static boolean placed(Channel channel) {
        ChannelPipeline pipeline = channel.pipeline();
        ChannelHandler idle = pipeline.get(IDLE);
        if (idle == null) {
            return false;
        }
        ChannelHandler present = pipeline.get(NAME);
        if (present instanceof IdleWhileNothingOwed swallower && swallower.after == idle) {
            return true;
        }
        if (present != null) {
            pipeline.remove(NAME);
        }
        pipeline.addAfter(IDLE, NAME, new IdleWhileNothingOwed(idle));
        return true;
    }

    /** Passes the idle timer's events on only while the gateway owes the connection no answer. */
    @RegisterForReflection(methods = true) // Netty looks up a handler's methods to skip what it does not override
    static final class IdleWhileNothingOwed extends ChannelInboundHandlerAdapter {
        private final ChannelHandler after;

        IdleWhileNothingOwed(ChannelHandler after) {
            this.after = after;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext context, Object event) throws Exception {
            if (event instanceof IdleStateEvent && owed(context.channel())[0] > 0) {
                return; // the gateway, not the client, is the silent side
            }
            super.userEventTriggered(context, event);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext context) {
            // When a connection upgrades to HTTP/2, Vert.x rebuilds its pipeline without this handler, then puts
            // a new idle timer in: this goes back in after it, once the rebuild is over.
            Channel channel = context.channel();
            if (channel.isActive()) {
                channel.eventLoop().execute(() -> {
                    if (channel.isActive()) {
                        placed(channel);
                    }
                });
            }
        }
    }
}
