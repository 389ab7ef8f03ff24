package io.keapgateway.store;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The shared store: every replica reads and writes the same Redis. */
final class RedisStore implements Store {

    /** Longest wait for one Redis call; the callers run on worker threads. */
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

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
    private static final LuaScript PUSH_CAPPED = new LuaScript("""
            redis.call('LPUSH', KEYS[1], ARGV[1])
            redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
            return 1""");

    /** KEYS[1] the list, ARGV[1] the cap, ARGV[2..] the entries oldest first. */
    private static final LuaScript PUSH_ALL_CAPPED = new LuaScript("""
            redis.call('LPUSH', KEYS[1], unpack(ARGV, 2))
            redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[1]) - 1)
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

    @Override
    public boolean mapPutIfAbsent(String map, String field, String value) {
        return await(redis.hash(String.class).hsetnx(key(map), field, value));
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
        return call.await().atMost(TIMEOUT);
    }
}
