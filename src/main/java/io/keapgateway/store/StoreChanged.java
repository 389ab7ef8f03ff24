package io.keapgateway.store;

/** CDI event: keys or connections may have changed (here or on another replica); caches reload. */
public record StoreChanged(long revision) {
}
