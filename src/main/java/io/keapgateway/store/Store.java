package io.keapgateway.store;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The few storage operations the gateway needs, implemented over Redis (shared by replicas) and in memory
 * (one replica). Names are logical ({@code keys}, {@code token:default}); the Redis store adds the prefix.
 * Calls block: use them from worker threads, scheduled jobs and start-up, never on the event loop. A store
 * that does not answer throws {@link StoreUnavailable}.
 */
public interface Store {

    /** The version a catalog write expects when the document must not exist yet. */
    long ABSENT = -1;

    /** One field of a map of documents. */
    Optional<String> mapGet(String map, String field);

    /** Every field of a map of documents. */
    Map<String, String> mapEntries(String map);

    /** Sets one field of a map. */
    void mapPut(String map, String field, String value);

    /** Sets several fields of a map at once. */
    void mapPutAll(String map, Map<String, String> fields);

    /**
     * Writes one document of a catalog map ({@link StoreNames#KEYS}, {@link StoreNames#CONNECTIONS}) only
     * while the stored one is at {@code expectedVersion} ({@link #ABSENT}: no document), and bumps
     * {@link StoreNames#REVISION} in the same atomic step. A document's version is its top-level
     * {@code version} member (0 when missing: written before documents had versions).
     *
     * @param version the version of {@code document} itself
     * @return the new revision, or empty when another write changed the document first (nothing written)
     */
    OptionalLong catalogPut(String map, String field, long expectedVersion, long version, String document);

    /** Removes one field; true if it was there. */
    boolean mapRemove(String map, String field);

    /** A single value, if present and not expired. */
    Optional<String> get(String key);

    /** Stores {@code value} only if {@code key} holds nothing, expiring after {@code ttl}; true if stored. */
    boolean putIfAbsent(String key, String value, Duration ttl);

    /** Reads and removes a value in one step: the basis of single-use values. */
    Optional<String> take(String key);

    /** Deletes {@code key} only while it holds {@code expected}; true if deleted. */
    boolean deleteIfEquals(String key, String expected);

    /** Extends the expiry of {@code key} only while it holds {@code expected}; true if extended. */
    boolean expireIfEquals(String key, String expected, Duration ttl);

    /** The value and version of a versioned document. */
    Optional<Versioned> getVersioned(String key);

    /** Stores {@code value} only if the stored version is lower than its own (or nothing is stored). */
    boolean putIfNewer(String key, Versioned value);

    /**
     * Stores {@code value} with expiry {@code ttl} if {@code key} holds nothing or holds {@code value}
     * already; true if stored. Takes a lease, renews it, and takes it back after the store lost it.
     */
    boolean claim(String key, String value, Duration ttl);

    /**
     * Compare-and-set on a versioned document: stores {@code value} only while the stored version is
     * {@code expected} (or nothing is stored, after the store lost its data). Also true when {@code value}
     * itself is stored already, so that a retried save after a lost answer is not taken for a conflict.
     */
    boolean putIfVersion(String key, long expected, Versioned value);

    /**
     * Stores {@code value} under a new version, above both the stored one and {@code floor} (the newest the
     * caller knows of); answers that version. Whatever was stored loses, and any compare-and-set based on it.
     */
    long replaceVersioned(String key, long floor, String value);

    /** Adds one to a counter and answers the new value. */
    long increment(String key);

    /** The value of a counter (0 when absent). */
    long counter(String key);

    /** Pushes to the front of a list that keeps at most {@code max} entries. */
    void pushCapped(String list, String value, int max);

    /**
     * Pushes several entries to the front of several capped lists at once (values oldest first, so the
     * newest ends up first), each list trimmed to {@code max} entries: one round of calls for all of them.
     */
    void pushCappedAll(Map<String, List<String>> lists, int max);

    /**
     * Adds to counter fields of several maps at once ({@code map -> field -> amount}); each map expires
     * {@code ttl} after its last addition. Read the counters with {@link #mapEntries} (values are decimal).
     */
    void addToCounts(Map<String, Map<String, Long>> additions, Duration ttl);

    /** The first {@code count} entries of a list, newest first. */
    List<String> first(String list, int count);

    /** A document with a version that only grows. */
    record Versioned(long version, String value) {
    }
}
