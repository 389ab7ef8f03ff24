package io.keapgateway.testsupport;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Direct access to the test Redis (localhost:6379, or one named), bypassing the gateway: to look at what it stored, scan it
 * for secrets, and lose data the way a restarted or flushed Redis would. Only ever touches keys under a
 * prefix the test names; never FLUSHALL, since other things share that Redis.
 */
public final class RedisProbe implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final Redis redis;

    /** The shared test Redis. */
    public RedisProbe() {
        this("redis://localhost:6379");
    }

    /** Another Redis, e.g. a {@link RedisServerProcess} of the test's own. */
    public RedisProbe(String uri) {
        redis = Redis.createClient(vertx, uri);
    }

    /** Every key starting with {@code prefix}. */
    public List<String> keys(String prefix) {
        List<String> keys = new ArrayList<>();
        String cursor = "0";
        do {
            Response page = send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(glob(prefix)).arg("COUNT").arg(1000));
            cursor = page.get(0).toString();
            page.get(1).forEach(key -> keys.add(key.toString()));
        } while (!"0".equals(cursor));
        return keys;
    }

    /** Each key under {@code prefix} with a textual rendering of whatever it holds, whatever its type. */
    public Map<String, String> contents(String prefix) {
        Map<String, String> contents = new TreeMap<>();
        for (String key : keys(prefix)) {
            String type = String.valueOf(send(Request.cmd(Command.TYPE).arg(key)));
            Response value = switch (type) {
                case "string" -> send(Request.cmd(Command.GET).arg(key));
                case "hash" -> send(Request.cmd(Command.HGETALL).arg(key));
                case "list" -> send(Request.cmd(Command.LRANGE).arg(key).arg(0).arg(-1));
                case "set" -> send(Request.cmd(Command.SMEMBERS).arg(key));
                case "zset" -> send(Request.cmd(Command.ZRANGE).arg(key).arg(0).arg(-1).arg("WITHSCORES"));
                default -> null;
            };
            contents.put(key, String.valueOf(value));
        }
        return contents;
    }

    /** Deletes every key under {@code prefix}; answers how many there were. */
    public int deleteAll(String prefix) {
        List<String> keys = keys(prefix);
        for (String key : keys) {
            send(Request.cmd(Command.DEL).arg(key));
        }
        return keys.size();
    }

    public boolean exists(String key) {
        return send(Request.cmd(Command.EXISTS).arg(key)).toInteger() == 1;
    }

    /** One field of a hash, or null. */
    public String hget(String key, String field) {
        Response value = send(Request.cmd(Command.HGET).arg(key).arg(field));
        return value == null ? null : value.toString();
    }

    public void hset(String key, String field, String value) {
        send(Request.cmd(Command.HSET).arg(key).arg(field).arg(value));
    }

    public void hdel(String key, String field) {
        send(Request.cmd(Command.HDEL).arg(key).arg(field));
    }

    @Override
    public void close() {
        redis.close();
        vertx.close();
    }

    private Response send(Request request) {
        try {
            return redis.send(request).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Redis call failed: " + e, e);
        }
    }

    /** The prefix as a SCAN pattern, its glob characters escaped. */
    private static String glob(String prefix) {
        return prefix.replaceAll("([*?\\[\\]\\\\])", "\\\\$1") + "*";
    }
}
