package io.keapgateway.soak;

import com.fasterxml.jackson.databind.JsonNode;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.GatewayProcess;
import io.keapgateway.testsupport.LeakScan;
import io.keapgateway.testsupport.Received;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The chaos soak of issue 23: three packaged replicas, a real Redis, the fake Keap with an OAuth connection
 * (access tokens of 20 s, then 90 s) and an api-key connection side by side; steady traffic from several keys
 * and admin changes, while faults come on a random schedule from a recorded seed. The invariants are checked
 * as answers arrive and at the end; the report goes to {@code target/soak/}. Exits 1 when an invariant broke.
 *
 * <pre>
 * ./mvnw -B -ntp verify -DskipUnitTests=true -Dit.test=SoakIT -Dsoak.seconds=1800 -Dsoak.seed=7 -Dsoak.topology=sentinel
 * </pre>
 * See docs/soak.md for the long form (several seeds, both topologies, JVM or native).
 */
public final class Soak {

    /** Refresh tokens sent again after their first sender died before Keap's answer reached it. */
    static final java.util.concurrent.atomic.AtomicInteger DOCUMENTED_LOSSES = new java.util.concurrent.atomic.AtomicInteger();
    private static final Pattern QUERY_PROFILE = Pattern.compile("soak=([a-z]+)&rid=([a-z]+-\\d+)");

    private final SoakPlan plan;
    private final Path reportDirectory;

    Soak(SoakPlan plan, Path reportDirectory) {
        this.plan = plan;
        this.reportDirectory = reportDirectory;
    }

    public static void main(String[] args) throws Exception {
        SoakPlan plan = SoakPlan.fromSystemProperties(Duration.ofMinutes(30), System.nanoTime());
        SoakReport report = new Soak(plan, Path.of("target", "soak")).run();
        System.exit(report.held() ? 0 : 1);
    }

    /** Runs the plan to the end and writes its report; never throws for a broken invariant. */
    SoakReport run() throws Exception {
        DOCUMENTED_LOSSES.set(0);
        try (SoakRig rig = new SoakRig(plan)) {
            Keys keys = Keys.setUp(rig);
            Instant start = Instant.now();
            Violations violations = new Violations(plan.seed(), start);
            Faults faults = new Faults(rig, plan.seed(), start);
            Traffic traffic = new Traffic(rig, faults, violations);
            AdminDriver admin = new AdminDriver(rig, faults, violations, plan.seed());
            List<Thread> clients = traffic.start(keys.profiles());
            Thread adminThread = new Thread(admin::run, "soak-admin");
            adminThread.setDaemon(true);
            adminThread.start();
            Instant end = start.plus(plan.duration());
            Thread watcher = watchRefreshTokens(rig, violations, start, end);
            Thread lifetimes = switchLifetimes(rig, start, end);

            faults.run(end);
            admin.stop(); // a change under way is finished (a forgotten grant connected again), no new one begins
            faults.stopAndRecover();
            adminThread.join(Duration.ofSeconds(60).toMillis());
            Duration ran = Duration.between(start, Instant.now());
            traffic.stop();
            for (Thread client : clients) {
                client.join(SoakRig.REQUEST_BUDGET.plusSeconds(5).toMillis());
            }
            watcher.join();
            lifetimes.join();

            settle(rig, violations);
            admin.checkNothingLost();
            checkRefreshes(rig, faults, admin, violations, ran);
            checkWhatReachedKeap(rig, keys, traffic, admin, faults, violations, ran);
            checkNoSecretAtRest(rig, violations);
            SoakReport report = new SoakReport(plan, ran, faults.timeline(), traffic, admin, violations,
                    rig.keap.refreshCalls(), faults::seconds);
            report.write(reportDirectory);
            return report;
        }
    }

    /** Every refresh token presented twice is a broken invariant, at the moment Keap saw it. */
    private static Thread watchRefreshTokens(SoakRig rig, Violations violations, Instant start, Instant end) {
        Thread thread = new Thread(() -> {
            int seen = 0;
            while (Instant.now().isBefore(end.plusSeconds(5))) {
                List<FakeKeap.Reuse> reuses = rig.keap.refreshTokenReuses();
                for (FakeKeap.Reuse reuse : reuses.subList(seen, reuses.size())) {
                    String when = Duration.between(start, reuse.at()).toMillis() / 1000.0 + " s";
                    if (reuse.firstAnswerUndelivered()) {
                        // docs/oauth.md, "What is not covered": the replica that sent it first died before it read
                        // Keap's answer; no replica can know whether Keap rotated, and the grant may be lost.
                        System.out.println("SOAK at " + when + ": a refresh token sent again after its first sender "
                                + "died before Keap's answer reached it (documented limit)");
                        DOCUMENTED_LOSSES.incrementAndGet();
                        continue;
                    }
                    violations.checked(Violations.REFRESH_TOKEN_ONCE, false, "a refresh token Keap had seen before came "
                            + "again at " + when);
                }
                seen = reuses.size();
                violations.checked(Violations.REFRESH_TOKEN_ONCE, true, "");
                Traffic.sleep(1_000);
            }
        }, "soak-refresh-tokens");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** Keap's access-token lifetime changes at each share of the run (20 s, then 90 s). */
    private Thread switchLifetimes(SoakRig rig, Instant start, Instant end) {
        Thread thread = new Thread(() -> {
            Duration current = plan.lifetimes()[0];
            while (Instant.now().isBefore(end)) {
                Duration now = plan.lifetimeAt(Duration.between(start, Instant.now()));
                if (!now.equals(current)) {
                    current = now;
                    rig.keap.setAccessTokenLifetime(now);
                    System.out.println("SOAK Keap's access tokens now live " + now);
                }
                Traffic.sleep(500);
            }
        }, "soak-lifetimes");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** After the faults: every replica serves, and the grant is connected everywhere within a minute. */
    private static void settle(SoakRig rig, Violations violations) {
        HttpClient http = HttpClient.newHttpClient();
        for (int replica = 0; replica < SoakRig.REPLICAS; replica++) {
            Instant deadline = Instant.now().plusSeconds(60);
            String status = "no answer";
            while (Instant.now().isBefore(deadline)) {
                try {
                    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                            URI.create(rig.url(replica) + "/admin/connections/default"))
                            .header("Authorization", "Bearer " + GatewayProcess.ADMIN_TOKEN).timeout(Duration.ofSeconds(10))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    JsonNode body = AdminDriver.json(answer.body());
                    status = body.path("status").asText();
                    if ("connected".equals(status)) {
                        break;
                    }
                } catch (IOException | RuntimeException e) {
                    status = e.toString();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                Traffic.sleep(500);
            }
            // A grant lost as documented (its refresh token's first sender died before Keap's answer) needs a new
            // authorization: that is the documented outcome, not a broken invariant.
            boolean documented = "needs_reauth".equals(status) && DOCUMENTED_LOSSES.get() > 0;
            violations.checked(Violations.GRANT_CONNECTED, "connected".equals(status) || documented,
                    "replica " + replica + " at the end: " + status);
        }
    }

    /**
     * At most one refresh per (lifetime minus margin) of each share of the run, plus one per share, plus one per
     * fault that invalidates a token (Keap's 401, a grant reconnected).
     */
    private void checkRefreshes(SoakRig rig, Faults faults, AdminDriver admin, Violations violations, Duration ran) {
        double allowed = 0;
        long share = ran.toSeconds() / plan.lifetimes().length;
        for (Duration lifetime : plan.lifetimes()) {
            long between = lifetime.toSeconds() - Math.min(15 * 60, lifetime.toSeconds() / 2);
            allowed += (double) share / Math.max(10, between) + 1;
        }
        long invalidating = faults.timeline().stream()
                .filter(f -> Faults.TOKEN_INVALIDATING.stream().anyMatch(f.kind()::startsWith)).count();
        long bound = (long) Math.ceil(allowed) + invalidating;
        int refreshes = rig.keap.refreshCalls();
        violations.checked(Violations.REFRESHES_FEW, refreshes <= bound,
                refreshes + " refreshes in " + ran.toSeconds() + " s, at most " + bound + " allowed");
    }

    /** Per key, what reached Keap within rate x time + burst; no denied request reached it; errors passed on were Keap's. */
    private static void checkWhatReachedKeap(SoakRig rig, Keys keys, Traffic traffic, AdminDriver admin, Faults faults,
            Violations violations, Duration ran) {
        Map<String, Integer> reached = new HashMap<>();
        Set<String> reachedIds = new java.util.HashSet<>();
        for (Received received : rig.keap.received()) {
            Matcher matcher = QUERY_PROFILE.matcher(received.query() == null ? "" : received.query());
            if (matcher.find()) {
                reached.merge(matcher.group(1), 1, Integer::sum);
                reachedIds.add(matcher.group(2));
            }
        }
        long redisSeconds = faults.timeline().stream().filter(f -> f.kind().startsWith("redis"))
                .mapToLong(f -> Duration.between(f.began(), f.ended() == null ? Instant.now() : f.ended()).toSeconds() + 2)
                .sum();
        long redisFaults = faults.timeline().stream().filter(f -> f.kind().startsWith("redis")).count();
        for (Keys.Limit limit : keys.limits()) {
            // docs/limits.md: while Redis is unreachable each replica allows its share; a batch reserved before
            // a loss may be spent once more after it (at most a burst per replica per loss).
            long bound = (long) (limit.perSecond() * ran.toSeconds()) + limit.burst()
                    + (long) (limit.perSecond() * redisSeconds) + (long) limit.burst() * SoakRig.REPLICAS * redisFaults;
            int count = reached.getOrDefault(limit.profile(), 0);
            violations.checked(Violations.LIMITS, count <= bound, limit.profile() + ": " + count + " requests reached Keap in "
                    + ran.toSeconds() + " s, at most " + bound + " allowed");
        }
        for (String denied : traffic.deniedIds) {
            violations.checked(Violations.LIMITS, !reachedIds.contains(denied), denied + " was refused with 429 by the "
                    + "gateway and reached Keap");
        }
        for (String passedOn : traffic.passedOnIds) {
            violations.checked(Violations.PROBLEM_JSON, reachedIds.contains(passedOn), passedOn + " got an error that is "
                    + "not problem+json and never reached Keap");
        }
        for (String probe : admin.mustNotReachKeap) {
            violations.checked(Violations.KEY_CHANGES, !reachedIds.contains(probe), probe + ", sent with a revoked or "
                    + "replaced secret, reached Keap");
        }
        violations.checked(Violations.NO_LEAK, rig.keap.gatewayKeysReceived().isEmpty(),
                "gateway keys reached Keap: " + rig.keap.gatewayKeysReceived());
    }

    /** No Keap credential in Redis or in any replica's log. */
    private static void checkNoSecretAtRest(SoakRig rig, Violations violations) {
        Set<String> secrets = LeakScan.secretsSeenBy(rig.keap);
        try {
            String redis = rig.redisContents().toString();
            violations.checked(Violations.NO_LEAK, secrets.stream().noneMatch(redis::contains), "a Keap credential in Redis");
            for (int replica = 0; replica < SoakRig.REPLICAS; replica++) {
                String logs = rig.process(replica).logs();
                violations.checked(Violations.NO_LEAK, secrets.stream().noneMatch(logs::contains) && !logs.contains("kgw_"),
                        "a credential or gateway key in the log of replica " + replica);
            }
        } catch (IOException e) {
            violations.checked(Violations.NO_LEAK, false, "could not scan Redis and logs: " + e);
        }
    }

    /** The keys traffic uses, and the limits the check holds them to. */
    record Keys(List<Traffic.Profile> profiles, List<Limit> limits) {

        record Limit(String profile, double perSecond, int burst) {
        }

        static Keys setUp(SoakRig rig) throws Exception {
            Setup admin = new Setup(rig.url(0));
            admin.call("PUT", "/admin/connections/apikey", "{\"api_key\":\"" + FakeKeapResource.API_KEY + "\"}", 200);
            admin.call("POST", "/admin/connections/default/tokens",
                    "{\"refresh_token\":\"" + rig.keap.seedGrant(FakeKeapResource.CLIENT_ID) + "\"}", 200);
            List<Traffic.Profile> profiles = new ArrayList<>();
            profiles.add(new Traffic.Profile("generous", admin.key("{\"name\":\"generous\",\"rate\":{\"per_second\":50,"
                    + "\"burst\":50}}"), "default", 8));
            profiles.add(new Traffic.Profile("tight", admin.key("{\"name\":\"tight\",\"rate\":{\"per_second\":2,"
                    + "\"burst\":2}}"), "default", 6));
            profiles.add(new Traffic.Profile("narrow", admin.key("{\"name\":\"narrow\",\"scopes\":"
                    + "[\"GET /crm/rest/v1/contacts\"]}"), "default", 3));
            profiles.add(new Traffic.Profile("quota", admin.key("{\"name\":\"quota\",\"daily_quota\":1}"), "default", 1));
            profiles.add(new Traffic.Profile("apikey", admin.key("{\"name\":\"apikey\",\"connection\":\"apikey\","
                    + "\"rate\":{\"per_second\":10,\"burst\":10}}"), "apikey", 5));
            profiles.add(new Traffic.Profile("xmlrpc", admin.key("{\"name\":\"xmlrpc\"}"), "default", 2));
            profiles.add(new Traffic.Profile("stream", admin.key("{\"name\":\"stream\"}"), "default", 1));
            return new Keys(profiles, List.of(new Limit("tight", 2, 2), new Limit("generous", 50, 50),
                    new Limit("apikey", 10, 10), new Limit("quota", 0, 1)));
        }
    }

    /** Admin calls of the set-up, which must succeed (no fault runs yet). */
    private record Setup(String base) {
        private static final HttpClient HTTP = HttpClient.newHttpClient();

        String key(String json) throws Exception {
            return AdminDriver.json(call("POST", "/admin/keys", json, 201)).get("key").asText();
        }

        String call(String method, String path, String json, int expected) throws Exception {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
                    .header("Authorization", "Bearer " + GatewayProcess.ADMIN_TOKEN)
                    .header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != expected) {
                throw new IllegalStateException(method + " " + path + ": " + answer.statusCode() + " " + answer.body());
            }
            return answer.body();
        }
    }
}
