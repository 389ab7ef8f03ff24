package io.keapgateway.store;

/**
 * The store did not answer (Redis down, failing over, timing out): nothing was read or written, unless
 * {@link #mayHaveApplied()}: a write that timed out and whose outcome could not be read back either.
 */
public final class StoreUnavailable extends RuntimeException {

    private final boolean mayHaveApplied;

    StoreUnavailable(Throwable cause) {
        this(cause, false);
    }

    private StoreUnavailable(Throwable cause, boolean mayHaveApplied) {
        super("the store does not answer: " + cause.getMessage(), cause);
        this.mayHaveApplied = mayHaveApplied;
    }

    /** A write that timed out and whose outcome the store did not tell afterwards either. */
    static StoreUnavailable uncertain(Throwable cause) {
        return new StoreUnavailable(cause, true);
    }

    /** True when the write may still have been applied (so the caller must read before trying again). */
    public boolean mayHaveApplied() {
        return mayHaveApplied;
    }
}
