package io.keapgateway.ratelimit;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Test helpers that read and remove a test's own Redis keys. */
final class RedisKeys {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private RedisKeys() {
    }

    /** Deletes every key under {@code prefix} (the limiter's hash-tagged ones too: {@code prefix{c:…}…}). */
    static void deleteAll(ReactiveRedisDataSource redis, String prefix) {
        String cursor = "0";
        do {
            Response page = redis.execute("SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000").await().atMost(WAIT);
            cursor = page.get(0).toString();
            List<String> found = new ArrayList<>();
            page.get(1).forEach(key -> found.add(key.toString()));
            if (!found.isEmpty()) {
                redis.execute("DEL", found.toArray(String[]::new)).await().atMost(WAIT);
            }
        } while (!cursor.equals("0"));
    }

    static long pttl(ReactiveRedisDataSource redis, String key) {
        return redis.execute("PTTL", key).await().atMost(WAIT).toLong();
    }

    /** Calls of each command Redis has run since it started, from {@code INFO commandstats}. */
    static long commandCalls(ReactiveRedisDataSource redis, String command) {
        String info = redis.execute("INFO", "commandstats").await().atMost(WAIT).toString();
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("cmdstat_" + command + ":")) {
                String calls = line.substring(line.indexOf("calls=") + 6);
                return Long.parseLong(calls.substring(0, calls.indexOf(',')));
            }
        }
        return 0;
    }

    /** All commands Redis has run since it started except {@code INFO} (the test's own way of looking). */
    static long allCommandCalls(ReactiveRedisDataSource redis) {
        String info = redis.execute("INFO", "commandstats").await().atMost(WAIT).toString();
        long total = 0;
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("cmdstat_") && !line.startsWith("cmdstat_info:")) {
                String calls = line.substring(line.indexOf("calls=") + 6);
                total += Long.parseLong(calls.substring(0, calls.indexOf(',')));
            }
        }
        return total;
    }
}
