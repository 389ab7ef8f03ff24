package io.keapgateway.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.LeakScan;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Steady client traffic from several keys, round-robin over the replicas, each answer checked as it arrives:
 * answered within its budget, a gateway error as problem+json with a {@code code}, no 5xx for Redis alone, no
 * key or Keap credential in it. Every request carries {@code soak=<profile>&rid=<n>} in its query, so that what
 * reached the fake Keap can be told apart by key afterwards (limits, denied requests).
 */
final class Traffic {

    /** One kind of client: a key used one way. */
    record Profile(String name, String key, String connection, double perSecond) {
    }

    static final ObjectMapper JSON = new ObjectMapper();
    static final String DOWNLOAD_BYTES = "1048576";
    private static final byte[] UPLOAD = new byte[512 * 1024];

    private final SoakRig rig;
    private final Faults faults;
    private final Violations violations;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicLong ids = new AtomicLong();
    /** Answers by profile and status (-1: no answer from a stopped replica; -2: no answer otherwise). */
    final Map<String, Map<Integer, Integer>> statuses = new ConcurrentHashMap<>();
    final Map<String, List<Long>> latencies = new ConcurrentHashMap<>();
    /** Request ids the gateway itself refused with 429: none may have reached Keap. */
    final Set<String> deniedIds = ConcurrentHashMap.newKeySet();
    /** Request ids whose non-problem error must be Keap's own answer (checked against what Keap received). */
    final Set<String> passedOnIds = ConcurrentHashMap.newKeySet();
    final AtomicLong documentedRedis502 = new AtomicLong();
    private volatile Set<String> secrets = Set.of();
    private volatile boolean stopped;

    Traffic(SoakRig rig, Faults faults, Violations violations) {
        this.rig = rig;
        this.faults = faults;
        this.violations = violations;
    }

    /** Starts one thread per profile; they run until {@link #stop()}. */
    List<Thread> start(List<Profile> profiles) {
        List<Thread> threads = new ArrayList<>();
        for (Profile profile : profiles) {
            Thread thread = new Thread(() -> drive(profile), "soak-client-" + profile.name());
            thread.setDaemon(true);
            thread.start();
            threads.add(thread);
        }
        Thread scan = new Thread(this::refreshSecrets, "soak-secrets");
        scan.setDaemon(true);
        scan.start();
        return threads;
    }

    void stop() {
        stopped = true;
    }

    private void refreshSecrets() {
        while (!stopped) {
            secrets = Set.copyOf(LeakScan.secretsSeenBy(rig.keap));
            sleep(5_000);
        }
    }

    private void drive(Profile profile) {
        long pause = (long) (1000 / profile.perSecond());
        for (long n = 0; !stopped; n++) {
            int replica = (int) (n % SoakRig.REPLICAS);
            send(profile, replica, n);
            sleep(pause);
        }
    }

    private void send(Profile profile, int replica, long n) {
        String rid = profile.name() + "-" + ids.incrementAndGet();
        String base = rig.url(replica);
        String query = "?soak=" + profile.name() + "&rid=" + rid;
        HttpRequest.Builder request = HttpRequest.newBuilder().timeout(SoakRig.REQUEST_BUDGET)
                .header("X-Api-Key", profile.key());
        String expectedSha = null;
        switch (profile.name()) {
            case "narrow" -> request = n % 2 == 0
                    ? request.uri(URI.create(base + "/crm/rest/v1/contacts" + query)).GET()
                    : request.uri(URI.create(base + "/crm/rest/v2/contacts" + query)).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"n\":" + n + "}"));
            case "xmlrpc" -> request = HttpRequest.newBuilder().timeout(SoakRig.REQUEST_BUDGET)
                    .uri(URI.create(base + "/crm/xmlrpc/v1" + query)).header("Content-Type", "text/xml")
                    .POST(HttpRequest.BodyPublishers.ofString(xmlRpcLoad(profile.key())));
            case "stream" -> {
                if (n % 2 == 0) {
                    request = request.uri(URI.create(base + "/crm/rest/v1/download/" + DOWNLOAD_BYTES + query)).GET();
                    expectedSha = FakeKeap.expectedDownloadSha256(Long.parseLong(DOWNLOAD_BYTES));
                } else {
                    request = request.uri(URI.create(base + "/crm/rest/v1/files" + query))
                            .header("Content-Type", "application/octet-stream")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(UPLOAD));
                }
            }
            default -> request = request.uri(URI.create(base + "/crm/rest/v1/contacts" + query)).GET();
        }
        Instant sent = Instant.now();
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            boolean disturbed = rig.disturbedSince(replica, sent);
            count(profile, disturbed ? -1 : -2, sent);
            // A replica stopped by a fault answers nothing: that is the fault, not the gateway. One no fault touched
            // answers every request, in time; refusing connections means it died by itself, which is reported too.
            String what = e instanceof HttpTimeoutException ? "no answer within " + SoakRig.REQUEST_BUDGET
                    : e instanceof ConnectException ? "connection refused: the replica is gone without a fault" : e.toString();
            violations.checked(Violations.NO_HANG, disturbed, rid + " to replica " + replica + ": " + what);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        count(profile, response.statusCode(), sent);
        judge(profile, rid, replica, sent, response, expectedSha);
    }

    private void judge(Profile profile, String rid, int replica, Instant sent, HttpResponse<byte[]> response,
            String expectedSha) {
        Instant answered = Instant.now();
        int status = response.statusCode();
        String contentType = response.headers().firstValue("Content-Type").orElse("");
        String body = new String(response.body(), StandardCharsets.UTF_8);
        violations.checked(Violations.NO_HANG, Duration.between(sent, answered).compareTo(SoakRig.REQUEST_BUDGET) <= 0,
                rid + " answered after " + Duration.between(sent, answered));
        String everything = response.headers().map() + "\n" + (contentType.contains("octet") ? "" : body);
        String leaked = everything.contains("kgw_") ? "a gateway key"
                : secrets.stream().filter(everything::contains).findFirst().map(s -> "a Keap credential").orElse(null);
        violations.checked(Violations.NO_LEAK, leaked == null, rid + ": " + leaked + " in the answer (" + status + ")");
        if (status == 200 && expectedSha != null) {
            violations.checked(Violations.NO_LEAK, expectedSha.equals(sha256(response.body())),
                    rid + ": the download arrived altered");
        }
        if (status < 400) {
            return;
        }
        if (!contentType.startsWith("application/problem+json")) {
            passedOnIds.add(rid); // Keap's own answer, passed on: checked against what Keap received at the end
            return;
        }
        String code = code(body);
        violations.checked(Violations.PROBLEM_JSON, code != null, rid + ": problem without a code: " + body);
        if (status == 429) {
            deniedIds.add(rid);
        }
        if (status >= 500) {
            boolean keap = faults.during("keap", sent.minusSeconds(15), answered);
            boolean replicas = faults.during("replica", sent.minusSeconds(15), answered);
            boolean reconnect = faults.during("grant-reconnect", sent.minusSeconds(5), answered);
            boolean redis = faults.during("redis", sent.minus(SoakRig.TOKEN_CALL_LIMIT.plus(SoakRig.LEASE)).minusSeconds(30),
                    answered);
            // docs/operations.md, "Redis down" and "Redis emptied": no refresh without Redis (nor in the quiet time
            // after a loss), so an OAuth token that expires meanwhile answers 502 upstream_unavailable.
            boolean otherFault = keap || replicas || reconnect;
            boolean documented = redis && "upstream_unavailable".equals(code) && "default".equals(profile.connection());
            if (documented && !otherFault) {
                documentedRedis502.incrementAndGet();
            }
            violations.checked(Violations.NO_REDIS_5XX, otherFault || !redis || documented,
                    rid + " to replica " + replica + ": " + status + " " + code + " with only Redis failing");
        }
    }

    private void count(Profile profile, int status, Instant sent) {
        statuses.computeIfAbsent(profile.name(), p -> new ConcurrentHashMap<>()).merge(status, 1, Integer::sum);
        List<Long> list = latencies.computeIfAbsent(profile.name(), p -> java.util.Collections.synchronizedList(new ArrayList<>()));
        list.add(Duration.between(sent, Instant.now()).toMillis());
    }

    Map<String, Map<Integer, Integer>> statusTable() {
        Map<String, Map<Integer, Integer>> table = new TreeMap<>();
        statuses.forEach((profile, counts) -> table.put(profile, new TreeMap<>(counts)));
        return table;
    }

    static String code(String body) {
        try {
            JsonNode node = JSON.readTree(body);
            return node.hasNonNull("code") ? node.get("code").asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    static String xmlRpcLoad(String key) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodCall><methodName>ContactService.load</methodName>"
                + "<params><param><value><string>" + key + "</string></value></param>"
                + "<param><value><i4>42</i4></value></param>"
                + "<param><value><array><data><value><string>Id</string></value><value><string>Email</string></value>"
                + "</data></array></value></param></params></methodCall>\n";
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
