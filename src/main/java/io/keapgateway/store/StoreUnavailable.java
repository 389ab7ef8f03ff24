package io.keapgateway.store;

/** The store did not answer (Redis down, failing over, timing out): nothing was read or written. */
public final class StoreUnavailable extends RuntimeException {

    StoreUnavailable(Throwable cause) {
        super("the store does not answer: " + cause.getMessage(), cause);
    }
}
