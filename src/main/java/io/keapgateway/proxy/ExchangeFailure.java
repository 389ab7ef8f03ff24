package io.keapgateway.proxy;

import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;

/**
 * A forwarded exchange that failed, with the side that failed it, said by the code that saw it fail rather
 * than guessed from a message: only Keap's side counts towards the circuit breaker. The client's side is a
 * client that closed its connection or reset its stream before its request was sent whole (the gateway
 * then resets the request to Keap itself, which must not read as Keap failing: H-B of the review of 2f31f2e).
 */
final class ExchangeFailure extends RuntimeException {

    /** Whose side of the exchange failed. */
    enum Side {
        CLIENT, KEAP
    }

    private final Side side;
    private final GatewayException answer;

    private ExchangeFailure(Side side, GatewayException answer, Throwable cause) {
        super(answer.detail(), cause, false, false); // an answer, not a bug: no stack trace
        this.side = side;
        this.answer = answer;
    }

    /** The client went away (closed, or reset its HTTP/2 stream) before its request was sent whole. */
    static ExchangeFailure client(Throwable cause) {
        return new ExchangeFailure(Side.CLIENT, new GatewayException(ErrorCode.BAD_REQUEST,
                "The client closed the request before its body was complete."), cause);
    }

    /** The connection to Keap failed (connect, reset, closed by Keap, or silent past the response timeout). */
    static ExchangeFailure keap(Throwable cause, GatewayException answer) {
        return new ExchangeFailure(Side.KEAP, answer, cause);
    }

    Side side() {
        return side;
    }

    /** What the client is answered (if it is still there). */
    GatewayException answer() {
        return answer;
    }

    /** Whether {@code failure} tells that Keap is failing: only a failure of Keap's side does. */
    static boolean keapSide(Throwable failure) {
        return failure instanceof ExchangeFailure exchange && exchange.side == Side.KEAP;
    }
}
