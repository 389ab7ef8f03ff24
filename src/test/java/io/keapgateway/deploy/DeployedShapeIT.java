package io.keapgateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.GatewayProcess;
import io.keapgateway.testsupport.RedisServerProcess;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The product in the shape ops deploy it: every overlay rendered with {@code kubectl kustomize}, its Ingress
 * objects turned into nginx configuration as ingress-nginx would ({@link IngressNginx}), Debian's nginx in front
 * of packaged replicas started with the rendered ConfigMap's environment and the Secret's names, a real Redis
 * and the fake Keap. The Ingress hosts resolve to nothing here: every client (Java, PHP, Chromium) connects to
 * nginx's ports on 127.0.0.1 for them and sends the real host names (Host, TLS), as DNS pointing at the
 * ingress would have it; nginx serves them with a test certificate standing in for the Ingress' TLS Secret.
 *
 * <p>Every overlay: each routed path reaches the gateway, the admin paths do not on the public host, the
 * admin Ingress admits no one outside its source ranges, bodies larger than ingress-nginx's default pass, the
 * streaming and timeout annotations are in the configuration. The {@code admin} overlay (both Ingresses, the
 * source range set to the test's address as ops set theirs): the console walk, the contractor's Guzzle call,
 * 64 MiB streamed both ways, and a rolling restart under load.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeployedShapeIT {

    private static final Path WORK = Path.of("target", "deployed-shape");
    private static final int REPLICAS = 2;
    private static final long BIG = 64L * 1024 * 1024;
    private static final Duration PAGE = Duration.ofSeconds(30);
    private static final Pattern PHP_BLOCK = Pattern.compile("<!-- readme-php: ([a-z-]+) -->\\s*```php\\n(.*?)```",
            Pattern.DOTALL);
    /** What ingress-nginx answers itself (404 of the default backend, 403, 413) ends with this. */
    private static final String NGINX_PAGE = "<center>nginx</center>";
    /**
     * What the internet must reach on the public host (CONTRACT "Public paths"): the proxy, the OAuth browser
     * flow, the contractor's self-check, the pages problems point to.
     */
    private static final List<String> PUBLIC_REQUESTS = List.of("/crm/rest/v1/contacts", "/crm/rest/v2/contacts",
            "/crm/xmlrpc/v1", "/oauth/start?state=unknown", "/oauth/callback?code=c&state=unknown",
            "/oauth/result/unknown", "/gateway/key", "/errors/missing_key");
    /** What the operators must reach on the admin host: the console, the admin API, the error pages. */
    private static final List<String> ADMIN_REQUESTS = List.of("/console", "/console/console.js", "/admin/keys",
            "/errors/missing_key");
    /** Paths of the gateway that the public host must not route. */
    private static final List<String> NOT_PUBLIC = List.of("/console", "/console/", "/admin/keys", "/admin/info",
            "/q/health/ready", "/q/metrics", "/");

    private final ObjectMapper json = new ObjectMapper();
    private final List<Replica> replicas = new CopyOnWriteArrayList<>();
    private FakeKeap keap;
    private RedisServerProcess redis;
    private Manifests admin;
    private Map<String, String> environment;
    private String publicHost;
    private String adminHost;
    private TestCertificate certificate;
    private IngressNginx.Ports ports;
    private NginxProcess nginx;
    private IngressClient http;
    /** Made by the console walk; used by the contractor's calls. */
    private String key;

    static List<String> overlays() throws IOException {
        return Manifests.overlays().toList();
    }

    @BeforeAll
    void start() throws Exception {
        keap = FakeKeap.start();
        keap.registerApp(FakeKeapResource.CLIENT_ID, FakeKeapResource.CLIENT_SECRET);
        redis = RedisServerProcess.startOnFreePort();
        admin = Manifests.render("admin");
        publicHost = host(admin.named("Ingress", "keap-gateway"));
        adminHost = host(admin.named("Ingress", "keap-gateway-admin"));
        environment = environment(admin);
        Set<String> hosts = new java.util.TreeSet<>();
        for (String overlay : overlays()) {
            IngressNginx.routes(Manifests.render(overlay).ofKind("Ingress")).forEach(route -> hosts.add(route.host()));
        }
        certificate = TestCertificate.make(WORK.resolve("tls"), hosts);
        ExecutorService starting = Executors.newFixedThreadPool(REPLICAS);
        try {
            List<Future<Replica>> started = new ArrayList<>();
            for (int i = 0; i < REPLICAS; i++) {
                started.add(starting.submit(() -> Replica.start(environment)));
            }
            for (Future<Replica> replica : started) {
                replicas.add(replica.get());
            }
        } finally {
            starting.shutdown();
        }
        ports = new IngressNginx.Ports(GatewayProcess.freePort(), GatewayProcess.freePort());
        nginx = NginxProcess.start(WORK.resolve("admin-walk"), ports.https(), operatorsConfiguration());
        http = new IngressClient(ports, certificate);
    }

    @AfterAll
    void stop() throws Exception {
        if (nginx != null) {
            nginx.close();
        }
        for (Replica replica : replicas) {
            replica.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (keap != null) {
            keap.close();
        }
    }

    /**
     * The environment of the Deployment's container as Kubernetes would give it (the ConfigMaps it reads whole,
     * its own values, the Secret's keys with test values), with only what must point at this machine replaced:
     * Redis, Keap and the proxy trusted for forwarded headers (nginx here, the ingress controller's pods there).
     * The public URL stays the overlay's: the clients reach its host through nginx.
     */
    private Map<String, String> environment(Manifests manifests) throws IOException {
        Map<String, String> secret = Map.of(
                "KEAP_GATEWAY_ADMIN_TOKEN", GatewayProcess.ADMIN_TOKEN,
                "KEAP_GATEWAY_ENCRYPTION_KEY", GatewayProcess.ENCRYPTION_KEY,
                "KEAP_GATEWAY_CLIENT_ID", FakeKeapResource.CLIENT_ID,
                "KEAP_GATEWAY_CLIENT_SECRET", FakeKeapResource.CLIENT_SECRET);
        JsonNode template = Manifests.parse(Files.readString(Path.of("deploy", "base", "secret.template.yaml"))).get(0);
        assertThat(secret.keySet()).allSatisfy(name -> assertThat(template.path("stringData").has(name)).isTrue());
        Map<String, String> env = new HashMap<>();
        JsonNode container = manifests.gatewayContainer();
        for (JsonNode source : container.path("envFrom")) {
            manifests.named("ConfigMap", source.path("configMapRef").path("name").asText()).path("data").fields()
                    .forEachRemaining(field -> env.put(field.getKey(), field.getValue().asText()));
        }
        for (JsonNode variable : container.path("env")) {
            String name = variable.path("name").asText();
            JsonNode ref = variable.path("valueFrom").path("secretKeyRef");
            if (ref.isMissingNode()) {
                env.put(name, variable.path("value").asText());
            } else if (secret.containsKey(ref.path("key").asText())) {
                assertThat(ref.path("name").asText()).isEqualTo(template.path("metadata").path("name").asText());
                env.put(name, secret.get(ref.path("key").asText()));
            } else {
                assertThat(ref.path("optional").asBoolean()).as(name + " is required but has no test value").isTrue();
            }
        }
        assertThat(env).containsKeys("QUARKUS_REDIS_HOSTS", "KEAP_GATEWAY_PUBLIC_URL", "QUARKUS_HTTP_PROXY_TRUSTED_PROXIES");
        env.put("QUARKUS_REDIS_HOSTS", redis.uri());
        env.put("KEAP_GATEWAY_UPSTREAM_URL", keap.baseUrl());
        env.put("KEAP_GATEWAY_TOKEN_URL", keap.baseUrl() + "/token");
        env.put("KEAP_GATEWAY_AUTHORIZE_URL", keap.baseUrl() + "/app/oauth/authorize");
        assertThat(env.get("KEAP_GATEWAY_PUBLIC_URL")).isEqualTo("https://" + publicHost);
        env.put("QUARKUS_HTTP_PROXY_TRUSTED_PROXIES", "127.0.0.1");
        return env;
    }

    // ---- every overlay: routing -----------------------------------------------------------------------------

    @Order(1)
    @ParameterizedTest
    @MethodSource("overlays")
    void everyOverlayRoutesItsPathsAndOnlyThem(String overlay) throws Exception {
        List<IngressNginx.Route> routes = IngressNginx.routes(Manifests.render(overlay).ofKind("Ingress"));
        IngressNginx.Ports own = new IngressNginx.Ports(GatewayProcess.freePort(), GatewayProcess.freePort());
        try (NginxProcess ingress = NginxProcess.start(WORK.resolve(overlay), own.https(),
                IngressNginx.configuration(routes, own, ports(), WORK.resolve(overlay), certificate))) {
            IngressClient client = new IngressClient(own, certificate);
            Set<String> publicHosts = new java.util.TreeSet<>();
            Set<String> restrictedHosts = new java.util.TreeSet<>();
            for (IngressNginx.Route route : routes) {
                String ranges = route.annotations().path(IngressNginx.ANNOTATION + "whitelist-source-range").asText("");
                (ranges.isBlank() ? publicHosts : restrictedHosts).add(route.host());
                assertThat(route.tls()).as(overlay + ": " + route.host() + " is served over TLS").isTrue();
                for (String path : samples(route)) {
                    HttpResponse<String> plain = client.get("http://" + route.host() + path, null);
                    assertThat(plain.statusCode()).as("http://" + route.host() + path).isEqualTo(308);
                    assertThat(plain.headers().firstValue("Location")).hasValue("https://" + route.host() + path);
                    HttpResponse<String> answer = client.get("https://" + route.host() + path, null);
                    if (ranges.isBlank()) {
                        assertThat(answer.body()).as(overlay + ": " + route.host() + path + " reaches the gateway")
                                .doesNotContain(NGINX_PAGE);
                        assertThat(answer.statusCode()).as(route.host() + path).isLessThan(500);
                    } else {
                        assertThat(ranges).doesNotContain("127.");
                        assertThat(answer.statusCode()).as(overlay + ": " + route.host() + path + " from outside "
                                + ranges).isEqualTo(403);
                        assertThat(answer.body()).contains(NGINX_PAGE);
                    }
                }
            }
            assertThat(publicHosts).as(overlay + "'s public hosts").isNotEmpty();
            for (String host : publicHosts) {
                for (String path : PUBLIC_REQUESTS) {
                    HttpResponse<String> answer = client.get("https://" + host + path, null);
                    assertThat(answer.body()).as(overlay + ": " + host + path + " reaches the gateway")
                            .doesNotContain(NGINX_PAGE);
                }
                for (String path : NOT_PUBLIC) {
                    HttpResponse<String> answer = client.get("https://" + host + path, null);
                    assertThat(answer.statusCode()).as(overlay + ": " + host + path + " is not routed").isEqualTo(404);
                    assertThat(answer.body()).contains(NGINX_PAGE);
                }
                // Larger than ingress-nginx's default body size (1m): the gateway, not nginx, answers (401 here).
                HttpResponse<String> large = client.send(client.request("https://" + host + "/crm/rest/v1/contacts")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[2 * 1024 * 1024])).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(large.statusCode()).as(overlay + ": a 2 MiB body on " + host).isEqualTo(401);
            }
            // The admin Ingress (where there is one) routes what operators need, to its source ranges only.
            for (String host : restrictedHosts) {
                for (String path : ADMIN_REQUESTS) {
                    assertThat(client.get("https://" + host + path, null).statusCode())
                            .as(overlay + ": " + host + path + " is routed, from the source ranges only").isEqualTo(403);
                }
            }
            // Streamed both ways, and nginx waits longer than the gateway's own 60 s budget for Keap.
            for (String location : publicLocations(ingress.configuration(), publicHosts)) {
                assertThat(location).contains("proxy_request_buffering off;", "proxy_buffering off;");
                assertThat(seconds(location, "proxy_read_timeout")).as(location).isGreaterThan(60);
                assertThat(seconds(location, "proxy_send_timeout")).as(location).isGreaterThan(60);
            }
        }
    }

    /** Request paths inside a route: the path itself, and one below it when it is a prefix. */
    private static List<String> samples(IngressNginx.Route route) {
        String path = route.path();
        return switch (route.pathType()) {
            case "Exact" -> List.of(path);
            default -> path.endsWith("/") ? List.of(path + "deployed-shape") : List.of(path, path + "/deployed-shape");
        };
    }

    /** The {@code location} blocks of the public hosts' {@code server} blocks. */
    private static List<String> publicLocations(String configuration, Set<String> hosts) {
        List<String> locations = new ArrayList<>();
        for (String server : configuration.split("\n  server \\{")) {
            Matcher name = Pattern.compile("server_name (\\S+);").matcher(server);
            if (name.find() && hosts.contains(name.group(1))) {
                Matcher location = Pattern.compile("location ([^{]+)\\{(.*?)\n    }", Pattern.DOTALL).matcher(server);
                while (location.find()) {
                    if (location.group(2).contains("proxy_pass")) {
                        locations.add(location.group(0));
                    }
                }
            }
        }
        assertThat(locations).isNotEmpty();
        return locations;
    }

    private static long seconds(String location, String directive) {
        Matcher value = Pattern.compile(directive + " (\\d+)s;").matcher(location);
        assertThat(value.find()).as(directive + " in " + location).isTrue();
        return Long.parseLong(value.group(1));
    }

    // ---- the admin overlay: the whole walk ------------------------------------------------------------------

    /** The operator's walk in Chromium: the console on the admin host, the OAuth flow on the public host. */
    @Test
    @Order(2)
    void theConsoleConnectsKeapThroughThePublicHostAndMakesAKey() throws Exception {
        Path profile = Files.createTempDirectory("deployed-chromium-");
        WebDriver browser = chromium(profile);
        try {
            WebDriverWait wait = new WebDriverWait(browser, PAGE);
            String console = "https://" + adminHost + "/console";
            browser.get(console);
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("admin-token"))).sendKeys(GatewayProcess.ADMIN_TOKEN);
            wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("#sign-in-form button[type=submit]"))).click();
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("app")));
            wait.until(ExpectedConditions.elementToBeClickable(
                    By.cssSelector("[data-connection=default] button[data-action=connect]"))).click();
            try {
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Connected"));
            } catch (org.openqa.selenium.TimeoutException e) {
                throw new AssertionError("not connected at " + browser.getCurrentUrl() + ":\n" + browser.getPageSource()
                        + "\n" + browser.manage().logs().get(LogType.BROWSER).getAll(), e);
            }
            assertThat(browser.getCurrentUrl()).startsWith("https://" + publicHost + "/oauth/result/");
            assertThat(browser.findElement(By.tagName("body")).getText()).contains(keap.tenant());
            wait.until(ExpectedConditions.elementToBeClickable(By.linkText("Back to the console"))).click();
            wait.until(ExpectedConditions.urlToBe(console)); // still signed in: the tab's session on the admin host
            wait.until(ExpectedConditions.attributeToBe(
                    By.cssSelector("[data-connection=default] .badge"), "data-status", "connected"));

            var details = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("create-key")));
            if (!"true".equals(details.getDomProperty("open"))) {
                browser.findElement(By.cssSelector("#create-key > summary")).click();
            }
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("key-name"))).sendKeys("contractor");
            browser.findElement(By.cssSelector("#key-form button[type=submit]")).click();
            key = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("new-key-value"))).getDomProperty("value");
            assertThat(key).startsWith("kgw_");
            assertThat(browser.findElement(By.id("new-key-snippet")).getDomProperty("value"))
                    .contains("https://" + publicHost + "/crm/rest/v1/");
            List<String> errors = new ArrayList<>();
            for (LogEntry entry : browser.manage().logs().get(LogType.BROWSER)) {
                if (entry.getLevel().intValue() >= Level.SEVERE.intValue() || entry.getMessage().contains("Refused to")) {
                    errors.add(entry.getMessage());
                }
            }
            assertThat(errors).as("browser console errors and CSP violations").isEmpty();
        } finally {
            browser.quit();
            deleteTree(profile);
        }
    }

    /** docs/drupal.md's Guzzle client on the public host, and the contractor's self-check. */
    @Test
    @Order(3)
    void theContractorsGuzzleClientWorksOnThePublicHost() throws Exception {
        assertThat(key).as("the key of the console walk").isNotNull();
        Path dir = Files.createTempDirectory("deployed-php-");
        Matcher blocks = PHP_BLOCK.matcher(Files.readString(Path.of("docs", "drupal.md")));
        while (blocks.find()) {
            Files.writeString(dir.resolve(blocks.group(1) + ".php"), blocks.group(2));
        }
        Path driver = dir.resolve("driver.php");
        try (InputStream in = getClass().getResourceAsStream("/php/deployed-driver.php")) {
            Files.write(driver, in.readAllBytes());
        }
        Path output = dir.resolve("output.txt");
        ProcessBuilder php = new ProcessBuilder("php", driver.toString(), dir.toString()).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        php.environment().putAll(Map.of("GATEWAY_URL", "https://" + publicHost, "GATEWAY_KEY", key,
                "INGRESS_CONNECT_TO", publicHost + ":443:127.0.0.1:" + ports.https(),
                "INGRESS_CA", certificate.certificate().toAbsolutePath().toString()));
        Process process = php.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String printed = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(printed).isZero();
        JsonNode seen = json.readTree(printed);
        assertThat(seen.at("/contacts/path").asText()).isEqualTo("/crm/rest/v1/contacts");
        assertThat(seen.at("/contacts/query").asText()).isEqualTo("limit=5");
        assertThat(seen.at("/me/name").asText()).isEqualTo("contractor");

        HttpResponse<String> me = http.get("https://" + publicHost + "/gateway/key", key);
        assertThat(me.statusCode()).isEqualTo(200);
        assertThat(json.readTree(me.body()).path("name").asText()).isEqualTo("contractor");
        assertThat(keap.gatewayKeysReceived()).isEmpty();
    }

    /** A problem's {@code type} is a page on the host the client called. */
    @Test
    @Order(4)
    void aProblemsTypeIsAPageOnThePublicHost() throws Exception {
        HttpResponse<String> problem = http.get("https://" + publicHost + "/crm/rest/v1/contacts", null);
        assertThat(problem.statusCode()).isEqualTo(401);
        String type = json.readTree(problem.body()).path("type").asText();
        assertThat(type).isEqualTo("/errors/missing_key");
        for (String host : List.of(publicHost, adminHost)) {
            HttpResponse<String> page = http.get("https://" + host + type, null);
            assertThat(page.statusCode()).as(host + type).isEqualTo(200);
            assertThat(page.body()).contains("401 missing_key");
        }
    }

    /**
     * 64 MiB up, streamed by nginx: Keap sees the upload while the client still holds most of it back (with
     * request buffering nginx would read the whole body first).
     */
    @Test
    @Order(5)
    void sixtyFourMebibytesStreamUp() throws Exception {
        String bulk = bulkKey();
        int begun = keap.requestsBegun();
        CountDownLatch release = new CountDownLatch(1);
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        HttpRequest upload = http.request("https://" + publicHost + "/crm/rest/v1/files")
                .header("Authorization", "Bearer " + bulk).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new HeldBackBody(BIG, 4 * 1024 * 1024, release, sent)), BIG)).build();
        var answer = http.sendAsync(upload, HttpResponse.BodyHandlers.ofString());
        try {
            await().atMost(Duration.ofSeconds(15)).until(() -> keap.requestsBegun() > begun);
        } finally {
            release.countDown();
        }
        HttpResponse<String> uploaded = answer.get(120, TimeUnit.SECONDS);
        assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(200);
        JsonNode echo = json.readTree(uploaded.body());
        assertThat(echo.path("body_bytes").asLong()).isEqualTo(BIG);
        assertThat(echo.path("body_sha256").asText()).isEqualTo(HexFormat.of().formatHex(sent.digest()));
    }

    /**
     * 64 MiB down, streamed by nginx: Keap cannot finish sending while the client pauses after its first
     * mebibyte (with response buffering nginx would spool the rest to disk meanwhile).
     */
    @Test
    @Order(6)
    void sixtyFourMebibytesStreamDown() throws Exception {
        String bulk = bulkKey();
        int answered = keap.requestsAnswered();
        HttpResponse<InputStream> download = http.send(http.request("https://" + publicHost + "/crm/rest/v1/download/" + BIG)
                .header("Authorization", "Bearer " + bulk).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(download.statusCode()).isEqualTo(200);
        MessageDigest received = MessageDigest.getInstance("SHA-256");
        long total;
        try (InputStream in = download.body()) {
            total = read(in, 1024 * 1024, received);
            // While the client pauses, Keap's writes stall (streamed), or run on to the end (spooled by nginx).
            long sent = keap.downloadBytesSent();
            Instant stalledSince = Instant.now();
            Instant deadline = Instant.now().plusSeconds(30);
            while (Duration.between(stalledSince, Instant.now()).toMillis() < 1500) {
                assertThat(Instant.now()).as("Keap's writes never stalled").isBefore(deadline);
                assertThat(keap.requestsAnswered()).as("Keap finished sending while the client paused: buffered")
                        .isEqualTo(answered);
                Thread.sleep(100);
                if (keap.downloadBytesSent() != sent) {
                    sent = keap.downloadBytesSent();
                    stalledSince = Instant.now();
                }
            }
            assertThat(sent).as("Keap's bytes written while the client paused").isLessThan(BIG);
            total += read(in, Long.MAX_VALUE, received);
        }
        assertThat(total).isEqualTo(BIG);
        assertThat(HexFormat.of().formatHex(received.digest())).isEqualTo(FakeKeap.expectedDownloadSha256(BIG));
    }

    /**
     * A rollout as the Deployment's strategy runs it (maxSurge 1, maxUnavailable 0), under steady load from a
     * few clients: for each replica in turn, a new one on a new address starts and joins the ingress once ready
     * while the old one's endpoint leaves it; the old one gets SIGTERM after the manifest's preStop pause.
     * Every request is answered, and answered 200.
     */
    @Test
    @Order(7)
    void aRollingRestartLosesNoRequest() throws Exception {
        String load = bulkKey();
        int preStop = admin.gatewayContainer().path("lifecycle").path("preStop").path("sleep").path("seconds").asInt();
        assertThat(preStop).isPositive();
        JsonNode strategy = admin.named("Deployment", "keap-gateway").path("spec").path("strategy");
        assertThat(strategy.path("type").asText()).isEqualTo("RollingUpdate");
        assertThat(strategy.path("rollingUpdate").path("maxSurge").asInt()).as("followed below").isEqualTo(1);
        assertThat(strategy.path("rollingUpdate").path("maxUnavailable").asInt()).as("followed below").isZero();
        List<Replica> retired = new ArrayList<>();
        ScheduledExecutorService stopping = Executors.newSingleThreadScheduledExecutor();
        AtomicBoolean running = new AtomicBoolean(true);
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        List<String> failures = new CopyOnWriteArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(3);
        for (int c = 0; c < 3; c++) {
            clients.submit(() -> {
                for (int n = 0; running.get(); n++) {
                    // A connection per request: this nginx reloads to change endpoints (ingress-nginx changes
                    // them without one), and a reload closes the kept-alive connections of clients.
                    HttpRequest.Builder request = http.request("https://" + publicHost + "/crm/rest/v1/contacts")
                            .header("Connection", "close").header("Authorization", "Bearer " + load);
                    request = n % 2 == 0 ? request.GET()
                            : request.header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString("{\"given_name\":\"Ada\"}"));
                    try {
                        int status = http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                        statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                        Thread.sleep(300); // ~10 requests a second in all: under the connection's own pacing
                    } catch (IOException e) {
                        failures.add(e.toString());
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }
        try {
            Thread.sleep(1000);
            for (int i = 0; i < REPLICAS; i++) {
                Replica old = replicas.get(i);
                replicas.set(i, Replica.start(environment)); // the surge replica, ready
                nginx.reload(operatorsConfiguration()); // its endpoint in, the old one's out
                retired.add(old);
                stopping.schedule(() -> {
                    old.terminate();
                    return null;
                }, preStop, TimeUnit.SECONDS); // preStop, then SIGTERM
            }
            for (Replica old : retired) {
                assertThat(old.awaitExit(Duration.ofSeconds(90))).as("a replica ended after SIGTERM").isNotEqualTo(-1);
            }
            Thread.sleep(1000);
        } finally {
            running.set(false);
            clients.shutdown();
            stopping.shutdown();
            assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            for (Replica old : retired) {
                old.close();
            }
        }
        assertThat(failures).as("requests without an answer").isEmpty();
        assertThat(statuses.keySet()).as("statuses " + statuses).containsOnly(200);
        assertThat(statuses.get(200).get()).isGreaterThan(50);
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    /**
     * The admin overlay's Ingresses with the admin one's source range set to this machine, as ops set it to
     * their VPN's.
     */
    private List<IngressNginx.Route> operatorsRoutes() {
        List<IngressNginx.Route> routes = new ArrayList<>();
        for (IngressNginx.Route route : IngressNginx.routes(admin.ofKind("Ingress"))) {
            JsonNode annotations = route.annotations();
            if (annotations.has(IngressNginx.ANNOTATION + "whitelist-source-range")) {
                annotations = annotations.deepCopy();
                ((com.fasterxml.jackson.databind.node.ObjectNode) annotations)
                        .put(IngressNginx.ANNOTATION + "whitelist-source-range", "127.0.0.1/32");
            }
            routes.add(new IngressNginx.Route(route.host(), route.path(), route.pathType(), route.tls(), annotations));
        }
        return routes;
    }

    private String operatorsConfiguration() {
        return IngressNginx.configuration(operatorsRoutes(), ports, ports(), WORK.resolve("admin-walk"), certificate);
    }

    private List<Integer> ports() {
        return replicas.stream().map(Replica::port).toList();
    }

    /** A key for bulk traffic, made with the admin API through the admin host. */
    private String bulkKey() throws Exception {
        String body = json.writeValueAsString(Map.of("name", "bulk-" + System.nanoTime(),
                "scopes", List.of("GET /crm/rest/**", "POST /crm/rest/**"),
                "rate", Map.of("per_second", 1000, "burst", 1000)));
        HttpResponse<String> created = http.send(http.request("https://" + adminHost + "/admin/keys")
                .header("Authorization", "Bearer " + GatewayProcess.ADMIN_TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return json.readTree(created.body()).path("key").asText();
    }

    private static String host(JsonNode ingress) {
        return ingress.path("spec").path("rules").get(0).path("host").asText();
    }

    private static long read(InputStream in, long most, MessageDigest digest) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        for (int n; total < most && (n = in.read(buffer, 0, (int) Math.min(buffer.length, most - total))) != -1; ) {
            digest.update(buffer, 0, n);
            total += n;
        }
        return total;
    }

    /**
     * Chromium with the Ingress hosts resolved to nginx's ports (the rest of the addresses, the fake Keap's
     * included, as they are), trusting the test's certificate as it would the cluster's.
     */
    private WebDriver chromium(Path profile) {
        List<String> rules = new ArrayList<>();
        for (String host : List.of(publicHost, adminHost)) {
            rules.add("MAP " + host + ":443 127.0.0.1:" + ports.https());
            rules.add("MAP " + host + ":80 127.0.0.1:" + ports.http());
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1280,2400", "--user-data-dir=" + profile.toAbsolutePath(),
                "--host-resolver-rules=" + String.join(", ", rules), "--ignore-certificate-errors");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /**
     * A request body of {@code size} bytes whose first {@code head} bytes are given at once and the rest only
     * after {@code release}; hashed into {@code digest} as it is read.
     */
    private static final class HeldBackBody extends InputStream {
        private final long size;
        private final long head;
        private final CountDownLatch release;
        private final MessageDigest digest;
        private long position;

        HeldBackBody(long size, long head, CountDownLatch release, MessageDigest digest) {
            this.size = size;
            this.head = head;
            this.release = release;
            this.digest = digest;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (position >= size) {
                return -1;
            }
            if (position >= head) {
                try {
                    if (!release.await(60, TimeUnit.SECONDS)) {
                        throw new IOException("never released");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
            int n = (int) Math.min(length, (position < head ? head : size) - position);
            for (int i = 0; i < n; i++) {
                buffer[offset + i] = (byte) ((position + i) % 251);
            }
            digest.update(buffer, offset, n);
            position += n;
            return n;
        }
    }
}
