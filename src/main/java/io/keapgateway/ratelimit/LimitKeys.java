package io.keapgateway.ratelimit;

import java.util.List;

/**
 * Every Redis key name of the limiter, built here and nowhere else. Every one starts with the prefix (so that
 * a Redis ACL on {@code <prefix>*} covers them, CONTRACT.md), and all keys of one connection share the hash tag
 * {@code {c:<connection>}} so that one script can touch them on Redis Cluster.
 */
final class LimitKeys {

    private final String prefix;

    LimitKeys(String prefix) {
        this.prefix = prefix;
    }

    /** The keys {@code limiter.lua} takes, in its order. */
    List<String> decision(String connection, String keyId) {
        return List.of(key(connection, keyId), connection(connection), blocked(connection), keapReport(connection));
    }

    /** One key's bucket and its counters for the day. */
    String key(String connection, String keyId) {
        return tag(connection) + ":k:" + keyId;
    }

    /** The connection's pacing bucket and its count for the day. */
    String connection(String connection) {
        return tag(connection) + ":pace";
    }

    /** Until when (ms, Redis clock) Keap's 429 keeps every replica from sending. */
    String blocked(String connection) {
        return tag(connection) + ":blocked";
    }

    /** What Keap last reported in its {@code x-keap-*} headers. */
    String keapReport(String connection) {
        return tag(connection) + ":keap";
    }

    /** The replicas seen recently (a sorted set scored by the last heartbeat). */
    String replicas() {
        return prefix + "replicas";
    }

    // Braces would end or start the hash tag early, so they are escaped (with the escape character itself).
    private String tag(String connection) {
        return prefix + "{c:" + connection.replace("%", "%25").replace("{", "%7B").replace("}", "%7D") + "}";
    }
}
