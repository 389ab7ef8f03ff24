package io.keapgateway.store;

/**
 * The names of the store's documents, built here and nowhere else (the Redis store puts its prefix in front
 * of each). The catalog (keys, connections and the revision counter that announces their changes) shares
 * the hash tag {@code {catalog}}, so that one script can change a document and bump the revision in one
 * atomic step, on Redis Cluster too. Names without a tag are only ever touched one at a time.
 */
public final class StoreNames {

    /** The map of key documents, by key id. */
    public static final String KEYS = "{catalog}:keys";
    /** The map of connection documents, by connection name. */
    public static final String CONNECTIONS = "{catalog}:connections";
    /** The counter bumped by every change of the catalog; replicas poll it. */
    public static final String REVISION = "{catalog}:revision";

    /**
     * A catalog write that timed out and was found not applied: the write, if it still arrives, is refused
     * (see {@code RedisStore}). Lives a few minutes, one per such write.
     */
    static String catalogFence(String writeId) {
        return "{catalog}:fence:" + writeId;
    }

    /** The map of notified conditions not cleared yet, by condition (e.g. {@code grant_needs_reauth:default}). */
    public static final String NOTIFY_OPEN = "notify:open";

    /** The occurrence of a notified condition: set once (SET NX) by the replica that sends it. */
    public static String notifyOccurrence(String condition) {
        return "notify:occurrence:" + condition;
    }

    /** The replicas that see a notified condition now, each with when it last said so (epoch ms). */
    public static String notifyReporters(String condition) {
        return "notify:reporters:" + condition;
    }

    /** Where the catalog lived before it had a hash tag; read once, to carry an older store over. */
    static final String LEGACY_KEYS = "keys";
    static final String LEGACY_CONNECTIONS = "connections";

    private StoreNames() {
    }
}
