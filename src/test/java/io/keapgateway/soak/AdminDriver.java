package io.keapgateway.soak;

import com.fasterxml.jackson.databind.JsonNode;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.GatewayProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admin changes while traffic and faults go on: keys created, rotated, scopes patched, revoked; the grant
 * forgotten and connected again. Each change the gateway acknowledged is checked at once (a new or rotated key
 * works on every replica serving, a revoked or replaced secret is refused everywhere within 1 s) and remembered,
 * so that the end of the run can check that none was lost. A change answered with an error was not made:
 * nothing is expected of it.
 */
final class AdminDriver {

    /** What the gateway acknowledged about one key: its secret now, and whether it is revoked. */
    static final class KeyState {
        final String id;
        String secret;
        boolean revoked;
        boolean narrowed;

        KeyState(String id, String secret) {
            this.id = id;
            this.secret = secret;
        }
    }

    private final SoakRig rig;
    private final Faults faults;
    private final Violations violations;
    private final Random random;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    final Map<String, KeyState> keys = new LinkedHashMap<>();
    final AtomicInteger acknowledged = new AtomicInteger();
    final AtomicInteger refused = new AtomicInteger();
    final AtomicInteger reconnects = new AtomicInteger();
    private final AtomicInteger probes = new AtomicInteger();
    /** Probes with a revoked or replaced secret: none may reach Keap. */
    final java.util.Set<String> mustNotReachKeap = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Rotated keys refused at once and accepted at the replica's next poll (the documented residual). */
    final AtomicInteger rotationResidual = new AtomicInteger();
    private final List<String> retiredSecrets = new ArrayList<>();
    private volatile boolean stopped;

    AdminDriver(SoakRig rig, Faults faults, Violations violations, long seed) {
        this.rig = rig;
        this.faults = faults;
        this.violations = violations;
        this.random = new Random(seed * 31 + 7);
    }

    void stop() {
        stopped = true;
    }

    /** Runs until stopped: a change every 2 to 5 s; the grant forgotten and reconnected about once a minute. */
    void run() {
        Instant lastReconnect = Instant.now();
        while (!stopped) {
            Traffic.sleep(2_000 + random.nextInt(3_001));
            try {
                if (stopped) {
                    return;
                }
                if (Duration.between(lastReconnect, Instant.now()).toSeconds() >= 60) {
                    lastReconnect = Instant.now();
                    reconnect();
                    continue;
                }
                List<KeyState> live = keys.values().stream().filter(k -> !k.revoked).toList();
                int choice = live.size() < 2 ? 0 : random.nextInt(4);
                KeyState target = live.isEmpty() ? null : live.get(random.nextInt(live.size()));
                switch (choice) {
                    case 0 -> create();
                    case 1 -> rotate(target);
                    case 2 -> narrow(target);
                    default -> revoke(target);
                }
            } catch (RuntimeException e) {
                System.out.println("SOAK admin: " + e);
            }
        }
    }

    private void create() {
        HttpResponse<String> answer = admin("POST", "/admin/keys", "{\"name\":\"churn-" + keys.size()
                + "\",\"connection\":\"apikey\"}");
        if (answer == null || answer.statusCode() != 201) {
            refused.incrementAndGet();
            return;
        }
        acknowledged.incrementAndGet();
        JsonNode key = json(answer.body());
        KeyState state = new KeyState(key.get("id").asText(), key.get("key").asText());
        keys.put(state.id, state);
        worksEverywhereAtOnce(state.secret, "created key " + state.id);
    }

    private void rotate(KeyState key) {
        HttpResponse<String> answer = admin("POST", "/admin/keys/" + key.id + "/rotate", "{}");
        if (answer == null || answer.statusCode() != 200) {
            refused.incrementAndGet();
            return;
        }
        acknowledged.incrementAndGet();
        Instant at = Instant.now();
        String old = key.secret;
        key.secret = json(answer.body()).get("key").asText();
        retiredSecrets.add(old);
        worksEverywhereAtOnce(key.secret, "rotated key " + key.id);
        refusedEverywhereWithinASecond(old, at, "the replaced secret of key " + key.id);
    }

    private void narrow(KeyState key) {
        HttpResponse<String> answer = admin("PATCH", "/admin/keys/" + key.id,
                "{\"scopes\":[\"GET /crm/rest/v1/contacts/**\", \"GET /crm/rest/v1/contacts\"]}");
        if (answer == null || answer.statusCode() != 200) {
            refused.incrementAndGet();
            return;
        }
        acknowledged.incrementAndGet();
        key.narrowed = true;
    }

    private void revoke(KeyState key) {
        HttpResponse<String> answer = admin("DELETE", "/admin/keys/" + key.id, null);
        if (answer == null || answer.statusCode() != 204) {
            refused.incrementAndGet();
            return;
        }
        acknowledged.incrementAndGet();
        key.revoked = true;
        refusedEverywhereWithinASecond(key.secret, Instant.now(), "revoked key " + key.id);
    }

    /** The grant forgotten, then a new one adopted: the refresh of the old one that lands later must lose. */
    private void reconnect() {
        Faults.Fault fault = faults.record("grant-reconnect", "connection default");
        try {
            HttpResponse<String> forgot = admin("DELETE", "/admin/connections/default/tokens", null);
            if (forgot == null || forgot.statusCode() >= 300) {
                refused.incrementAndGet();
                return;
            }
            acknowledged.incrementAndGet();
            // Once forgotten, the grant is connected again even if the run is ending: a forget alone is not the
            // change under test, and the end of the run checks the grant is connected.
            for (int attempt = 0; attempt < 30; attempt++) {
                HttpResponse<String> adopted = admin("POST", "/admin/connections/default/tokens",
                        "{\"refresh_token\":\"" + rig.keap.seedGrant(FakeKeapResource.CLIENT_ID) + "\"}");
                if (adopted != null && adopted.statusCode() == 200) {
                    acknowledged.incrementAndGet();
                    reconnects.incrementAndGet();
                    return;
                }
                refused.incrementAndGet();
                Traffic.sleep(1_000);
            }
        } finally {
            faults.ended(fault, "");
        }
    }

    private void worksEverywhereAtOnce(String secret, String what) {
        for (int replica : rig.serving()) {
            Instant sent = Instant.now();
            HttpResponse<String> answer = proxied(replica, secret);
            if (answer == null || rig.disturbedSince(replica, sent)) {
                continue;
            }
            String code = Traffic.code(answer.body());
            boolean refusedKey = answer.statusCode() == 401 && code != null;
            if (refusedKey && what.startsWith("rotated")) {
                // docs/keys.md, the residual: within KEAP_GATEWAY_KEYS_UNKNOWN_ID_WINDOW after a wrong secret for
                // an id (this driver probes the replaced secret of every rotation), a rotation made on another
                // replica reaches this one at its next poll (250 ms).
                Traffic.sleep(350);
                HttpResponse<String> again = proxied(replica, secret);
                if (again != null && again.statusCode() != 401) {
                    rotationResidual.incrementAndGet();
                    continue;
                }
            }
            violations.checked(Violations.KEY_CHANGES, !refusedKey,
                    what + " refused by replica " + replica + " right after it was acknowledged: " + code);
        }
    }

    /**
     * A request sent 1 s after the change was acknowledged is refused by every replica serving. (Probing earlier
     * and waiting for a refusal would mistake a slow answer to an early probe, Keap being slow, for a late one.)
     */
    private void refusedEverywhereWithinASecond(String secret, Instant acknowledgedAt, String what) {
        long wait = Duration.between(Instant.now(), acknowledgedAt.plusMillis(1_000)).toMillis();
        if (wait > 0) {
            Traffic.sleep(wait);
        }
        for (int replica : rig.serving()) {
            Instant sent = Instant.now();
            HttpResponse<String> answer = refusedProbe(replica, secret);
            if (answer == null || rig.disturbedSince(replica, acknowledgedAt)) {
                continue;
            }
            String code = Traffic.code(answer.body());
            violations.checked(Violations.KEY_CHANGES, refused(answer), what
                    + " accepted by replica " + replica + " " + Duration.between(acknowledgedAt, sent).toMillis()
                    + " ms after the change was acknowledged (" + answer.statusCode() + " " + code + ")");
        }
    }

    /** At the end: every acknowledged change holds on every replica. */
    void checkNothingLost() {
        for (KeyState key : keys.values()) {
            for (int replica = 0; replica < SoakRig.REPLICAS; replica++) {
                HttpResponse<String> answer = key.revoked ? refusedProbe(replica, key.secret) : proxied(replica, key.secret);
                int status = answer == null ? -1 : answer.statusCode();
                String code = answer == null ? null : Traffic.code(answer.body());
                // Active: the key is accepted (a 429 from a limit or Keap's throttle window still at work is an
                // answer to a valid key; a lost key is 401).
                boolean held = key.revoked ? refused(answer) : answer != null && status != 401 && status != 403;
                violations.checked(Violations.ADMIN_DURABLE, held, "key " + key.id + (key.revoked ? " (revoked)" : "")
                        + " on replica " + replica + " at the end: " + status + " " + code);
                if (!key.revoked && key.narrowed) {
                    HttpResponse<String> outside = post(replica, key.secret);
                    violations.checked(Violations.ADMIN_DURABLE, outside != null && outside.statusCode() == 403,
                            "key " + key.id + "'s patched scopes on replica " + replica + ": "
                                    + (outside == null ? "no answer" : outside.statusCode()));
                }
            }
        }
        for (String secret : retiredSecrets) {
            for (int replica = 0; replica < SoakRig.REPLICAS; replica++) {
                HttpResponse<String> answer = refusedProbe(replica, secret);
                violations.checked(Violations.ADMIN_DURABLE, refused(answer),
                        "a rotated-away secret on replica " + replica + " at the end: "
                                + (answer == null ? "no answer" : answer.statusCode()));
            }
        }
    }

    private HttpResponse<String> proxied(int replica, String secret) {
        return proxied(replica, secret, "admin-" + probes.incrementAndGet());
    }

    private HttpResponse<String> proxied(int replica, String secret, String rid) {
        return call(HttpRequest.newBuilder(URI.create(rig.url(replica) + "/crm/rest/v1/contacts?soak=admin&rid=" + rid))
                .header("X-Api-Key", secret).GET());
    }

    /**
     * Sends {@code secret}, which must be refused: answered 401 with a code, or 429 {@code rate_limited} once this
     * address failed too many key checks (docs/keys.md, "Key guessing is slowed"; the probes here are such
     * failures). Either way the request must not reach Keap, which the end of the run checks.
     */
    private HttpResponse<String> refusedProbe(int replica, String secret) {
        String rid = "admin-" + probes.incrementAndGet();
        mustNotReachKeap.add(rid);
        return proxied(replica, secret, rid);
    }

    static boolean refused(HttpResponse<String> answer) {
        String code = answer == null ? null : Traffic.code(answer.body());
        return answer != null && (answer.statusCode() == 401 && code != null
                || answer.statusCode() == 429 && "rate_limited".equals(code));
    }

    private HttpResponse<String> post(int replica, String secret) {
        return call(HttpRequest.newBuilder(URI.create(rig.url(replica) + "/crm/rest/v2/contacts?soak=admin"))
                .header("X-Api-Key", secret).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
    }

    /** An admin call through a replica serving now; null if none answered. */
    private HttpResponse<String> admin(String method, String path, String json) {
        List<Integer> serving = rig.serving();
        if (serving.isEmpty()) {
            return null;
        }
        int replica = serving.get(random.nextInt(serving.size()));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(rig.url(replica) + path))
                .header("Authorization", "Bearer " + GatewayProcess.ADMIN_TOKEN)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> answer = call(request);
        if (answer != null && answer.statusCode() >= 400) {
            String code = Traffic.code(answer.body());
            violations.checked(Violations.PROBLEM_JSON, code != null, method + " " + path + ": " + answer.statusCode()
                    + " without a code");
        }
        return answer;
    }

    private HttpResponse<String> call(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(SoakRig.REQUEST_BUDGET).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static JsonNode json(String body) {
        try {
            return Traffic.JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalStateException("not JSON: " + body, e);
        }
    }
}
