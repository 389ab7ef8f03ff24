package io.keapgateway.ratelimit;

/**
 * The numbers one request is checked against. A daily value of 0 means no daily limit.
 *
 * @param keyRate requests per second (may be fractional in a local share)
 * @param keyBurst requests
 * @param keyDaily requests per UTC day, 0 for none
 * @param connectionRate requests per second
 * @param connectionBurst requests
 * @param connectionDaily requests per UTC day, 0 for none
 * @param highPriority whether the key passes Keap's low-quota gate
 */
record EffectiveLimits(
        double keyRate,
        long keyBurst,
        long keyDaily,
        double connectionRate,
        long connectionBurst,
        long connectionDaily,
        boolean highPriority) {

    /**
     * What one of {@code replicas} replicas may allow on its own while Redis is unreachable: each limit
     * divided by the replica count, never below one request.
     */
    EffectiveLimits share(int replicas) {
        int n = Math.max(1, replicas);
        if (n == 1) {
            return this;
        }
        return new EffectiveLimits(
                keyRate / n,
                Math.max(1, keyBurst / n),
                keyDaily == 0 ? 0 : Math.max(1, keyDaily / n),
                connectionRate / n,
                Math.max(1, connectionBurst / n),
                connectionDaily == 0 ? 0 : Math.max(1, connectionDaily / n),
                highPriority);
    }
}
