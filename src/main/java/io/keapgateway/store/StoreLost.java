package io.keapgateway.store;

/** CDI event: the store lost its data; caches write back what they hold (without overwriting anything). */
public record StoreLost() {
}
