package io.keapgateway.limits;

import io.keapgateway.store.StoreNames;
import io.keapgateway.testsupport.TestRun;
import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.RedisPeek;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Keap connections and gateway keys made for one test through the admin API of the application under test
 * (%test profile: Redis on localhost:6379, prefix {@code kgw-test:}). Each connection has a Keap api key of
 * its own, so that its limiter state and Keap's quota bookkeeping are its alone and what Keap received
 * through it can be told apart. {@link #removeAll()} deletes them, and their limiter state, afterwards.
 */
final class TestConnections {

    static final String PREFIX = TestRun.PREFIX;
    static final int REDIS_PORT = 6379;
    /** The name of every connection made here starts with this. */
    private static final String NAME_PREFIX = "lim-";

    /**
     * A connection made for a test.
     *
     * @param name its name
     * @param keapKey the Keap api key only it uses
     */
    record Conn(String name, String keapKey) {
    }

    /**
     * A key issued for a test.
     *
     * @param connection its connection
     * @param key the whole gateway key
     */
    record Issued(Conn connection, String key) {

        String id() {
            return Admin.idOf(key);
        }

        /** These many requests sent with this key, for {@link SharedDecisions}. */
        SharedDecisions.Sent sent(long requests) {
            return new SharedDecisions.Sent(PREFIX, connection.name(), id(), requests);
        }
    }

    private final Admin admin;
    private final FakeKeap keap;
    private final List<String> made = new ArrayList<>();

    TestConnections(Admin admin, FakeKeap keap) {
        this.admin = admin;
        this.keap = keap;
    }

    /** A new api-key connection with a Keap key of its own. */
    Conn connection(String purpose) {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String name = NAME_PREFIX + purpose + "-" + suffix;
        String keapKey = "KeapAK-lim-" + suffix + "0000000000"; // never shaped like a real key (see API_KEY)
        keap.acceptApiKey(keapKey);
        admin.useApiKey(name, keapKey);
        made.add(name);
        return new Conn(name, keapKey);
    }

    /** A key for {@code connection} with {@code fields} (rate, daily_quota, priority …). */
    Issued key(Conn connection, Map<String, ?> fields) {
        Map<String, Object> all = new HashMap<>(fields);
        all.put("name", "limits-test");
        all.put("connection", connection.name());
        return new Issued(connection, admin.createKey(all));
    }

    /** The API calls Keap received through {@code connection} (it alone sends its Keap key). */
    int receivedBy(Conn connection) {
        return (int) keap.receivedUnder("/crm/").stream()
                .filter(received -> connection.keapKey().equals(received.header("X-Keap-API-Key")))
                .count();
    }

    /**
     * Deletes the connections made here, then the limiter's keys (LimitKeys: {@code <prefix>{c:<name>}:…}) of
     * every connection of these tests that no longer exists: also a Keap report the gateway wrote (at most a
     * second late) after an earlier test had ended.
     */
    void removeAll() throws IOException {
        try (RedisPeek redis = new RedisPeek(REDIS_PORT)) {
            for (String name : made) {
                redis.call("HDEL", PREFIX + StoreNames.CONNECTIONS, name);
            }
            String tag = PREFIX + "{c:";
            for (String key : redis.keys(tag + NAME_PREFIX)) {
                String name = key.substring(tag.length(), key.indexOf('}'));
                if (Long.valueOf(0).equals(redis.call("HEXISTS", PREFIX + StoreNames.CONNECTIONS, name))) {
                    redis.call("DEL", key);
                }
            }
        }
        made.clear();
    }
}
