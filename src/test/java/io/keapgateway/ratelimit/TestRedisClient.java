package io.keapgateway.ratelimit;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.runtime.datasource.ReactiveRedisDataSourceImpl;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;

/**
 * A Redis data source on a Redis of the test's choosing (not the application's), with its own Vert.x:
 * for tests that stop Redis or point at one that never answers.
 */
final class TestRedisClient implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final Redis client;
    private final ReactiveRedisDataSource dataSource;

    TestRedisClient(String uri) {
        client = Redis.createClient(vertx, new RedisOptions().setConnectionString(uri));
        dataSource = new ReactiveRedisDataSourceImpl(vertx, client, RedisAPI.api(client));
    }

    ReactiveRedisDataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() {
        client.close();
        vertx.closeAndAwait();
    }
}
