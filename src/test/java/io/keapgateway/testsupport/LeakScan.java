package io.keapgateway.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds OAuth secrets where they must never be: the store, logs, admin responses. The secrets are taken from
 * what the fake Keap received (bearer tokens sent to the API, refresh tokens and codes sent to
 * {@code /token}), its live refresh token, and the test app's client secret.
 */
public final class LeakScan {

    /** Shorter values are not tokens (e.g. an empty form field) and would match by accident. */
    private static final int SHORTEST_SECRET = 12;

    private LeakScan() {
    }

    /** Every OAuth secret that went between the gateway and {@code fake} so far. */
    public static Set<String> secretsSeenBy(FakeKeap fake) {
        Set<String> secrets = new TreeSet<>();
        for (Received received : fake.received()) {
            if (received.path().startsWith("/crm")) {
                String authorization = received.header("Authorization");
                if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                    secrets.add(authorization.substring(7).trim());
                }
            } else if (received.path().equals("/token") && received.bodyText() != null) {
                Map<String, String> form = parseForm(received.bodyText());
                add(secrets, form.get("refresh_token"));
                add(secrets, form.get("code"));
                add(secrets, form.get("client_secret"));
            }
        }
        add(secrets, fake.currentRefreshToken());
        add(secrets, FakeKeapResource.CLIENT_SECRET);
        secrets.remove(FakeKeapResource.API_KEY); // api-key connections send it as Bearer too; not an OAuth token
        return secrets;
    }

    /** Fails naming {@code where} and which kind of secret appeared, without printing the secret whole. */
    public static void assertNoneIn(String where, String text, Set<String> secrets) {
        if (text == null) {
            return;
        }
        for (String secret : secrets) {
            if (text.contains(secret)) {
                fail("a secret starting '" + secret.substring(0, 4) + "…' appears in plaintext in " + where);
            }
        }
    }

    /** {@link #assertNoneIn} over every stored value under {@code prefix}. */
    public static void assertNoneInRedis(RedisProbe redis, String prefix, Set<String> secrets) {
        redis.contents(prefix).forEach((key, value) -> {
            assertNoneIn("Redis key " + key, key, secrets);
            assertNoneIn("Redis key " + key, value, secrets);
        });
    }

    private static Map<String, String> parseForm(String form) {
        Map<String, String> fields = new HashMap<>();
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                fields.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return fields;
    }

    private static void add(Set<String> secrets, String value) {
        if (value != null && value.length() >= SHORTEST_SECRET) {
            secrets.add(value);
        }
    }
}
