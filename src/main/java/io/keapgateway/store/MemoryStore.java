package io.keapgateway.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** The store of a single replica: everything in this process, lost on restart. */
final class MemoryStore implements Store {

    private record Expiring(String value, Instant expiresAt) {
    }

    private final Clock clock;
    private final Map<String, Map<String, String>> maps = new HashMap<>();
    private final Map<String, Expiring> values = new HashMap<>();
    private final Map<String, Versioned> versioned = new HashMap<>();
    private final Map<String, Long> counters = new HashMap<>();
    private final Map<String, LinkedList<String>> lists = new HashMap<>();
    /** When each map of counts ({@link #addToCounts}) expires. */
    private final Map<String, Instant> countsExpiry = new HashMap<>();
    /** The version of each catalog document, by map and field (the documents themselves are in maps). */
    private final Map<String, Long> catalogVersions = new HashMap<>();

    MemoryStore(Clock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized Optional<String> mapGet(String map, String field) {
        return Optional.ofNullable(maps.getOrDefault(map, Map.of()).get(field));
    }

    @Override
    public synchronized Map<String, String> mapEntries(String map) {
        dropExpiredCounts();
        return Map.copyOf(maps.getOrDefault(map, Map.of()));
    }

    @Override
    public synchronized void mapPut(String map, String field, String value) {
        maps.computeIfAbsent(map, m -> new HashMap<>()).put(field, value);
    }

    @Override
    public synchronized void mapPutAll(String map, Map<String, String> fields) {
        maps.computeIfAbsent(map, m -> new HashMap<>()).putAll(fields);
    }

    @Override
    public synchronized OptionalLong catalogPut(String map, String field, long expectedVersion, long version,
            String document) {
        String versionKey = map + "\n" + field;
        boolean present = maps.getOrDefault(map, Map.of()).containsKey(field);
        long current = present ? catalogVersions.getOrDefault(versionKey, 0L) : ABSENT;
        if (current != expectedVersion) {
            return OptionalLong.empty();
        }
        maps.computeIfAbsent(map, m -> new HashMap<>()).put(field, document);
        catalogVersions.put(versionKey, version);
        return OptionalLong.of(increment(StoreNames.REVISION));
    }

    @Override
    public synchronized boolean mapRemove(String map, String field) {
        return maps.getOrDefault(map, new HashMap<>()).remove(field) != null;
    }

    @Override
    public synchronized Optional<String> get(String key) {
        return live(key).map(Expiring::value);
    }

    @Override
    public synchronized boolean putIfAbsent(String key, String value, Duration ttl) {
        if (live(key).isPresent()) {
            return false;
        }
        values.put(key, new Expiring(value, clock.instant().plus(ttl)));
        return true;
    }

    @Override
    public synchronized Optional<String> take(String key) {
        Optional<String> value = get(key);
        values.remove(key);
        return value;
    }

    @Override
    public synchronized boolean deleteIfEquals(String key, String expected) {
        if (!get(key).filter(expected::equals).isPresent()) {
            return false;
        }
        values.remove(key);
        return true;
    }

    @Override
    public synchronized boolean expireIfEquals(String key, String expected, Duration ttl) {
        if (!get(key).filter(expected::equals).isPresent()) {
            return false;
        }
        values.put(key, new Expiring(expected, clock.instant().plus(ttl)));
        return true;
    }

    @Override
    public synchronized Optional<Versioned> getVersioned(String key) {
        return Optional.ofNullable(versioned.get(key));
    }

    @Override
    public synchronized boolean putIfNewer(String key, Versioned value) {
        Versioned current = versioned.get(key);
        if (current != null && current.version() >= value.version()) {
            return false;
        }
        versioned.put(key, value);
        return true;
    }

    @Override
    public synchronized boolean claim(String key, String value, Duration ttl) {
        Optional<String> current = get(key);
        if (current.isPresent() && !current.get().equals(value)) {
            return false;
        }
        values.put(key, new Expiring(value, clock.instant().plus(ttl)));
        return true;
    }

    @Override
    public synchronized boolean putIfVersion(String key, long expected, Versioned value) {
        Versioned current = versioned.get(key);
        if (current != null && current.version() != expected) {
            return current.equals(value);
        }
        versioned.put(key, value);
        return true;
    }

    @Override
    public synchronized long replaceVersioned(String key, long floor, String value) {
        Versioned current = versioned.get(key);
        long version = Math.max(current == null ? 0 : current.version(), floor) + 1;
        versioned.put(key, new Versioned(version, value));
        return version;
    }

    @Override
    public synchronized long increment(String key) {
        return counters.merge(key, 1L, Long::sum);
    }

    @Override
    public synchronized long counter(String key) {
        return counters.getOrDefault(key, 0L);
    }

    @Override
    public synchronized void pushCapped(String list, String value, int max) {
        LinkedList<String> entries = lists.computeIfAbsent(list, l -> new LinkedList<>());
        entries.addFirst(value);
        while (entries.size() > max) {
            entries.removeLast();
        }
    }

    @Override
    public synchronized void addToCounts(Map<String, Map<String, Long>> additions, Duration ttl) {
        dropExpiredCounts();
        additions.forEach((map, fields) -> {
            Map<String, String> counts = maps.computeIfAbsent(map, m -> new HashMap<>());
            fields.forEach((field, amount) -> counts.merge(field, Long.toString(amount),
                    (old, added) -> Long.toString(Long.parseLong(old) + Long.parseLong(added))));
            countsExpiry.put(map, clock.instant().plus(ttl));
        });
    }

    /** Maps of counts live as long as Redis would keep them: the process holds only the recent ones. */
    private void dropExpiredCounts() {
        Instant now = clock.instant();
        countsExpiry.entrySet().removeIf(entry -> {
            boolean expired = !entry.getValue().isAfter(now);
            if (expired) {
                maps.remove(entry.getKey());
            }
            return expired;
        });
    }

    @Override
    public synchronized void pushCappedAll(Map<String, List<String>> lists, int max) {
        lists.forEach((list, values) -> values.forEach(value -> pushCapped(list, value, max)));
    }

    @Override
    public synchronized List<String> first(String list, int count) {
        List<String> entries = lists.getOrDefault(list, new LinkedList<>());
        return new ArrayList<>(entries.subList(0, Math.min(count, entries.size())));
    }

    private Optional<Expiring> live(String key) {
        Expiring entry = values.get(key);
        if (entry != null && !entry.expiresAt().isAfter(clock.instant())) {
            values.remove(key);
            return Optional.empty();
        }
        return Optional.ofNullable(entry);
    }
}
