package io.keapgateway.store;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.TimeoutException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The shared store: every replica reads and writes the same Redis (standalone, Sentinel or Cluster). Every
 * command names one key, or keys of one hash tag ({@link StoreNames}), so each runs on Redis Cluster too.
 */
final class RedisStore implements Store {

    private static final Logger LOG = Logger.getLogger(RedisStore.class);
    /** Longest wait for one Redis call; the callers run on worker threads. */
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** How long the fence of a write that timed out lives: far longer than any write can wait in Redis. */
    private static final Duration FENCE_TTL = Duration.ofMinutes(10);

    // Answers the new revision, or -1 when the stored version is not the expected one (or the write was
    // fenced, see CATALOG_SETTLE). A document that does not decode counts as version 0, like one written
    // before documents had versions.
    private static final LuaScript CATALOG_PUT = new LuaScript("""
            if redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
            local current = redis.call('HGET', KEYS[1], ARGV[1])
            local version = -1
            if current then
              local ok, document = pcall(cjson.decode, current)
              version = ok and type(document) == 'table' and tonumber(document['version']) or 0
            end
            if version ~= tonumber(ARGV[2]) then return -1 end
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
            return redis.call('INCR', KEYS[2])""");

    // After a catalog write timed out: 1 if it was applied; else 0, and it never will be (its fence is set).
    private static final LuaScript CATALOG_SETTLE = new LuaScript("""
            if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return 1 end
            redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
            return 0""");

    private static final LuaScript DELETE_IF_EQUALS = new LuaScript("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0""");
    private static final LuaScript EXPIRE_IF_EQUALS = new LuaScript("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
            return 0""");
    private static final LuaScript PUT_IF_NEWER = new LuaScript("""
            local current = redis.call('HGET', KEYS[1], 'version')
            if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
            redis.call('HSET', KEYS[1], 'version', ARGV[1], 'value', ARGV[2])
            return 1""");
    private static final LuaScript CLAIM = new LuaScript("""
            local current = redis.call('GET', KEYS[1])
            if current and current ~= ARGV[1] then return 0 end
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            return 1""");
    private static final LuaScript PUT_IF_VERSION = new LuaScript("""
            local current = redis.call('HGET', KEYS[1], 'version')
            if current and tonumber(current) ~= tonumber(ARGV[1]) then
              if tonumber(current) == tonumber(ARGV[2]) and redis.call('HGET', KEYS[1], 'value') == ARGV[3] then
                return 1
              end
              return 0
            end
            redis.call('HSET', KEYS[1], 'version', ARGV[2], 'value', ARGV[3])
            return 1""");
    private static final LuaScript REPLACE_VERSIONED = new LuaScript("""
            local version = math.max(tonumber(redis.call('HGET', KEYS[1], 'version') or '0'), tonumber(ARGV[1])) + 1
            redis.call('HSET', KEYS[1], 'version', string.format('%d', version), 'value', ARGV[2])
            return version""");
    private static final LuaScript PUSH_CAPPED = new LuaScript("""
            redis.call('LPUSH', KEYS[1], ARGV[1])
            redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
            return 1""");

    /** KEYS[1] the list, ARGV[1] the cap, ARGV[2..] the entries oldest first. */
    private static final LuaScript PUSH_ALL_CAPPED = new LuaScript("""
            redis.call('LPUSH', KEYS[1], unpack(ARGV, 2))
            redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[1]) - 1)
            return 1""");

    // ARGV: the ttl in milliseconds, then field and amount pairs.
    private static final LuaScript ADD_TO_COUNTS = new LuaScript("""
            for i = 2, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            return 1""");

    private final ReactiveRedisDataSource redis;
    private final String prefix;

    RedisStore(ReactiveRedisDataSource redis, String prefix) {
        this.redis = redis;
        this.prefix = prefix;
    }

    @Override
    public Optional<String> mapGet(String map, String field) {
        return Optional.ofNullable(await(redis.hash(String.class).hget(key(map), field)));
    }

    @Override
    public Map<String, String> mapEntries(String map) {
        return new HashMap<>(await(redis.hash(String.class).hgetall(key(map))));
    }

    @Override
    public void mapPut(String map, String field, String value) {
        await(redis.hash(String.class).hset(key(map), field, value));
    }

    @Override
    public void mapPutAll(String map, Map<String, String> fields) {
        if (!fields.isEmpty()) {
            await(redis.hash(String.class).hset(key(map), fields));
        }
    }

    /**
     * {@inheritDoc} A write that times out may still land later (it can wait in Redis's queue), so it is
     * settled before answering: it was applied (its document is stored: answered as done), or it is fenced so
     * that it never will be (answered as not applied). When the store does not tell that either, the failure
     * says the write may have been applied.
     */
    @Override
    public OptionalLong catalogPut(String map, String field, long expectedVersion, long version, String document) {
        String fence = key(StoreNames.catalogFence(UUID.randomUUID().toString()));
        List<String> args = List.of(field, Long.toString(expectedVersion), document);
        long revision;
        try {
            revision = CATALOG_PUT.run(redis, List.of(key(map), key(StoreNames.REVISION), fence), args)
                    .await().atMost(TIMEOUT).toLong();
        } catch (TimeoutException e) {
            return settle(map, field, document, fence, e);
        } catch (RuntimeException e) {
            throw new StoreUnavailable(e);
        }
        return revision < 0 ? OptionalLong.empty() : OptionalLong.of(revision);
    }

    private OptionalLong settle(String map, String field, String document, String fence, TimeoutException timedOut) {
        List<String> args = List.of(field, document, Long.toString(FENCE_TTL.toMillis()));
        try {
            if (CATALOG_SETTLE.run(redis, List.of(key(map), fence), args).await().atMost(TIMEOUT).toLong() == 1) {
                LOG.infof("A write of %s/%s timed out but was applied", map, field);
                return OptionalLong.of(counter(StoreNames.REVISION));
            }
        } catch (RuntimeException e) {
            throw StoreUnavailable.uncertain(timedOut);
        }
        throw new StoreUnavailable(timedOut);
    }

    /**
     * Copies the catalog of a store written before the catalog had a hash tag into its tagged names. Only
     * documents not there yet are copied; the old names are left for replicas of the previous version that
     * still run during a rolling deploy.
     */
    void adoptLegacyCatalog() {
        int adopted = adoptLegacyMap(StoreNames.LEGACY_KEYS, StoreNames.KEYS)
                + adoptLegacyMap(StoreNames.LEGACY_CONNECTIONS, StoreNames.CONNECTIONS);
        if (adopted > 0) {
            increment(StoreNames.REVISION);
            LOG.infof("Adopted %d key and connection documents from the previous layout of the store", adopted);
        }
    }

    private int adoptLegacyMap(String legacy, String current) {
        int adopted = 0;
        for (Map.Entry<String, String> entry : mapEntries(legacy).entrySet()) {
            if (await(redis.hash(String.class).hsetnx(key(current), entry.getKey(), entry.getValue()))) {
                adopted++;
            }
        }
        return adopted;
    }

    @Override
    public boolean mapRemove(String map, String field) {
        return await(redis.hash(String.class).hdel(key(map), field)) > 0;
    }

    @Override
    public Optional<String> get(String key) {
        return Optional.ofNullable(await(redis.value(String.class).get(key(key))));
    }

    @Override
    public boolean putIfAbsent(String key, String value, Duration ttl) {
        Response reply = await(redis.execute("SET", key(key), value, "NX", "PX", Long.toString(ttl.toMillis())));
        return reply != null;
    }

    @Override
    public Optional<String> take(String key) {
        return Optional.ofNullable(await(redis.value(String.class).getdel(key(key))));
    }

    @Override
    public boolean deleteIfEquals(String key, String expected) {
        return await(DELETE_IF_EQUALS.run(redis, List.of(key(key)), List.of(expected))).toLong() == 1;
    }

    @Override
    public boolean expireIfEquals(String key, String expected, Duration ttl) {
        List<String> args = List.of(expected, Long.toString(ttl.toMillis()));
        return await(EXPIRE_IF_EQUALS.run(redis, List.of(key(key)), args)).toLong() == 1;
    }

    @Override
    public Optional<Versioned> getVersioned(String key) {
        Map<String, String> fields = await(redis.hash(String.class).hgetall(key(key)));
        if (fields == null || !fields.containsKey("version")) {
            return Optional.empty();
        }
        return Optional.of(new Versioned(Long.parseLong(fields.get("version")), fields.get("value")));
    }

    @Override
    public boolean putIfNewer(String key, Versioned value) {
        List<String> args = List.of(Long.toString(value.version()), value.value());
        return await(PUT_IF_NEWER.run(redis, List.of(key(key)), args)).toLong() == 1;
    }

    @Override
    public boolean claim(String key, String value, Duration ttl) {
        List<String> args = List.of(value, Long.toString(ttl.toMillis()));
        return await(CLAIM.run(redis, List.of(key(key)), args)).toLong() == 1;
    }

    @Override
    public boolean putIfVersion(String key, long expected, Versioned value) {
        List<String> args = List.of(Long.toString(expected), Long.toString(value.version()), value.value());
        return await(PUT_IF_VERSION.run(redis, List.of(key(key)), args)).toLong() == 1;
    }

    @Override
    public long replaceVersioned(String key, long floor, String value) {
        return await(REPLACE_VERSIONED.run(redis, List.of(key(key)), List.of(Long.toString(floor), value))).toLong();
    }

    @Override
    public long increment(String key) {
        return await(redis.value(Long.class).incr(key(key)));
    }

    @Override
    public long counter(String key) {
        Long value = await(redis.value(Long.class).get(key(key)));
        return value == null ? 0 : value;
    }

    @Override
    public void pushCapped(String list, String value, int max) {
        await(PUSH_CAPPED.run(redis, List.of(key(list)), List.of(value, Integer.toString(max))));
    }

    @Override
    public void addToCounts(Map<String, Map<String, Long>> additions, Duration ttl) {
        // One script per map (each its own key, possibly on its own Cluster slot), all sent at once.
        List<Uni<Response>> adds = new ArrayList<>();
        additions.forEach((map, fields) -> {
            if (!fields.isEmpty()) {
                List<String> args = new ArrayList<>(fields.size() * 2 + 1);
                args.add(Long.toString(ttl.toMillis()));
                fields.forEach((field, amount) -> {
                    args.add(field);
                    args.add(Long.toString(amount));
                });
                adds.add(ADD_TO_COUNTS.run(redis, List.of(key(map)), args));
            }
        });
        if (!adds.isEmpty()) {
            await(Uni.join().all(adds).andCollectFailures().replaceWithVoid());
        }
    }

    @Override
    public void pushCappedAll(Map<String, List<String>> lists, int max) {
        // One script per list (each list is its own key, possibly on its own Cluster slot), all sent at once.
        List<Uni<Response>> pushes = new ArrayList<>();
        lists.forEach((list, values) -> {
            if (!values.isEmpty()) {
                List<String> args = new ArrayList<>(values.size() + 1);
                args.add(Integer.toString(max));
                args.addAll(values);
                pushes.add(PUSH_ALL_CAPPED.run(redis, List.of(key(list)), args));
            }
        });
        if (!pushes.isEmpty()) {
            await(Uni.join().all(pushes).andCollectFailures().replaceWithVoid());
        }
    }

    @Override
    public List<String> first(String list, int count) {
        return new ArrayList<>(await(redis.list(String.class).lrange(key(list), 0, count - 1L)));
    }

    private String key(String name) {
        return prefix + name;
    }

    private static <T> T await(Uni<T> call) {
        try {
            return call.await().atMost(TIMEOUT);
        } catch (RuntimeException e) {
            throw new StoreUnavailable(e);
        }
    }
}
