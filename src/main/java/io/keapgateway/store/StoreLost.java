package io.keapgateway.store;

/** CDI event: the store lost its data; caches write back what they hold, merged by version with what the store holds now. */
public record StoreLost() {
}
