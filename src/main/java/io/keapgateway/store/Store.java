package io.keapgateway.store;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The few storage operations the gateway needs, implemented over Redis (shared by replicas) and in memory
 * (one replica). Names are logical ({@code keys}, {@code token:default}); the Redis store adds the prefix.
 * Calls block: use them from worker threads, scheduled jobs and start-up, never on the event loop.
 */
public interface Store {

    /** One field of a map of documents. */
    Optional<String> mapGet(String map, String field);

    /** Every field of a map of documents. */
    Map<String, String> mapEntries(String map);

    /** Sets one field of a map. */
    void mapPut(String map, String field, String value);

    /** Sets several fields of a map at once. */
    void mapPutAll(String map, Map<String, String> fields);

    /** Sets one field of a map only if it is not set; true if set. */
    boolean mapPutIfAbsent(String map, String field, String value);

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

    /** The first {@code count} entries of a list, newest first. */
    List<String> first(String list, int count);

    /** A document with a version that only grows. */
    record Versioned(long version, String value) {
    }
}
