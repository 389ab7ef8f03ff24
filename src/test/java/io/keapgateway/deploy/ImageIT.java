package io.keapgateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.ContainerReplica;
import io.keapgateway.testsupport.ContainerReplica.Result;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.GatewayProcess;
import io.keapgateway.testsupport.Received;
import io.keapgateway.testsupport.RedisServerProcess;
import io.keapgateway.testsupport.TestRun;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The image ops deploy, built with the documented command (src/main/docker/build-images.sh) from what this
 * run packaged: the native image in the native suite, the JVM image otherwise. Its configuration (non-root
 * numeric user, exec-form entry point, ports, labels), every layer's files (no test secret, no .env, no
 * private key), and the image run as deploy/base runs it: read-only root filesystem, user 1001, all
 * capabilities dropped; it answers health, proxies with the connection's credential injected, and stops
 * within the grace period on SIGTERM.
 */
class ImageIT {

    /** What must never be in an image: the test suite's secrets, in any file of any layer. */
    private static final List<String> TEST_SECRETS = List.of(GatewayProcess.ADMIN_TOKEN, GatewayProcess.ENCRYPTION_KEY,
            FakeKeapResource.API_KEY, FakeKeapResource.CLIENT_SECRET);

    /** A PEM private key with its content (a parser's constant names the header but has no base64 after it). */
    private static final Pattern PRIVATE_KEY = Pattern.compile("-----BEGIN [A-Z ]*PRIVATE KEY-----\\s+([A-Za-z0-9+/]{40,})");

    /**
     * The one private key allowed: Netty's probing key (SslUtils, OpenSsl and JdkSslServerContext in
     * netty-handler; a throw-away self-signed pair published in Netty's sources, used to test what the TLS
     * provider supports). Known by the start of its base64.
     */
    private static final String NETTY_PROBING_KEY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCCBtayYNDrM3NFnkBbwTd6gaWp";

    /** deploy/base's terminationGracePeriodSeconds. */
    private static final Duration GRACE = Duration.ofSeconds(60);

    private static final ObjectMapper JSON = new ObjectMapper();

    private static boolean isNative;
    private static String image;

    @BeforeAll
    static void buildImage() throws IOException {
        assumeTrue(ContainerReplica.podmanInstalled(), "podman is not installed: .ci/run installs it (apt-get install podman runc)");
        isNative = ContainerReplica.isNative();
        image = ContainerReplica.packagedImage();
    }

    @Test
    void configNamesANonRootUserTheEntryPointPortsAndLabels() throws IOException {
        JsonNode config = inspect().path("Config");
        assertThat(config.path("User").asText()).as("a numeric user, not root").matches("[0-9]+(:[0-9]+)?")
                .doesNotStartWith("0");
        List<String> entrypoint = new ArrayList<>();
        config.path("Entrypoint").forEach(part -> entrypoint.add(part.asText()));
        assertThat(entrypoint).as("exec form, no shell").first()
                .isEqualTo(isNative ? "/work/application" : "java");
        assertThat(entrypoint).noneMatch(part -> part.endsWith("sh") || part.equals("-c"));
        assertThat(config.path("ExposedPorts").has("8080/tcp")).as("ExposedPorts " + config.path("ExposedPorts")).isTrue();
        assertThat(config.path("ExposedPorts").has("9000/tcp")).as("ExposedPorts " + config.path("ExposedPorts")).isTrue();
        JsonNode labels = config.path("Labels");
        assertThat(labels.path("org.opencontainers.image.version").asText()).isEqualTo(System.getProperty("project.version"));
        assertThat(labels.path("org.opencontainers.image.revision").asText()).isEqualTo(gitHead());
        assertThat(labels.path("org.opencontainers.image.source").asText()).isNotBlank().isNotEqualTo("unknown");
        assertThat(labels.path("org.opencontainers.image.title").asText()).startsWith("keap-gateway");
        assertThat(config.path("Env").toString()).doesNotContain("KEAP_GATEWAY_ADMIN_TOKEN", "KEAP_GATEWAY_ENCRYPTION_KEY")
                .doesNotContain(TEST_SECRETS);
    }

    @Test
    void noLayerHoldsASecret() throws IOException {
        Path saved = Files.createTempDirectory("image-it-");
        try {
            Result save = ContainerReplica.run(Duration.ofMinutes(5),
                    List.of("podman", "save", "--format", "oci-dir", "--uncompressed", "-o", saved.resolve("oci").toString(), image),
                    Map.of());
            assertThat(save.exit()).as(save.output()).isZero();
            Path oci = saved.resolve("oci");
            JsonNode index = JSON.readTree(oci.resolve("index.json").toFile());
            JsonNode manifest = JSON.readTree(blob(oci, index.path("manifests").get(0).path("digest").asText()).toFile());
            List<String> findings = new ArrayList<>();
            int files = 0;
            for (JsonNode layer : manifest.path("layers")) {
                try (InputStream raw = Files.newInputStream(blob(oci, layer.path("digest").asText()))) {
                    InputStream tar = layer.path("mediaType").asText().endsWith("gzip") ? new GZIPInputStream(raw) : raw;
                    files += Tar.forEachFile(tar, (path, content) -> scan(layer.path("digest").asText() + ":" + path, content, findings));
                }
            }
            assertThat(files).as("files read from the layers").isGreaterThan(10);
            assertThat(findings).as("secrets in the image's layers").isEmpty();
        } finally {
            try (Stream<Path> walk = Files.walk(saved)) {
                walk.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    @Test
    void runsReadOnlyAsNonRootProxiesAndStopsOnSigterm() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.startOnFreePort(); FakeKeap keap = FakeKeap.start()) {
            keap.acceptApiKey(FakeKeapResource.API_KEY);
            Map<String, String> env = new java.util.HashMap<>(GatewayProcess.environment(keap.baseUrl(), TestRun.prefix("image")));
            env.put("QUARKUS_REDIS_HOSTS", redis.uri());
            try (ContainerReplica replica = ContainerReplica.start(image, env)) {
                HttpClient http = HttpClient.newHttpClient();
                assertThat(get(http, replica.managementUrl() + "/q/health/live", null).statusCode()).isEqualTo(200);

                Admin admin = Admin.at(replica.url());
                admin.useApiKey("default", FakeKeapResource.API_KEY);
                String key = admin.createKey(Map.of("name", "image-it"));
                HttpResponse<String> proxied = get(http, replica.url() + "/crm/rest/v1/contacts", key);
                assertThat(proxied.statusCode()).as(proxied.body()).isEqualTo(200);
                List<Received> received = keap.receivedUnder("/crm/rest/v1/contacts");
                assertThat(received).hasSize(1);
                assertThat(received.get(0).headers("X-Keap-API-Key")).containsExactly(FakeKeapResource.API_KEY);
                assertThat(keap.gatewayKeysReceived()).as("the gateway key never reaches Keap").isEmpty();

                Instant stopping = Instant.now();
                int exit = replica.stop(GRACE);
                Duration took = Duration.between(stopping, Instant.now());
                assertThat(exit).as("exit code after SIGTERM (137: killed after the grace period)\n" + replica.logs())
                        .isIn(0, 143);
                assertThat(took).as("stopped within the grace period").isLessThan(GRACE);
            }
        }
    }

    private static HttpResponse<String> get(HttpClient http, String url, String key) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void scan(String where, byte[] content, List<String> findings) {
        String name = where.substring(where.lastIndexOf('/') + 1);
        if (name.equals(".env") || name.endsWith(".env")) {
            findings.add(where + ": an environment file");
        }
        String text = new String(content, StandardCharsets.ISO_8859_1);
        for (String secret : TEST_SECRETS) {
            if (text.contains(secret)) {
                findings.add(where + ": the test value " + secret);
            }
        }
        for (int header = text.indexOf("PRIVATE KEY-----"); header >= 0; header = text.indexOf("PRIVATE KEY-----", header + 1)) {
            Matcher key = PRIVATE_KEY.matcher(text).region(Math.max(0, header - 40), Math.min(text.length(), header + 200));
            if (key.find() && !key.group(1).startsWith(NETTY_PROBING_KEY)) {
                findings.add(where + ": a private key");
            }
        }
        if (name.endsWith(".jar")) {
            try (ZipInputStream jar = new ZipInputStream(new ByteArrayInputStream(content))) {
                for (ZipEntry entry; (entry = jar.getNextEntry()) != null;) {
                    if (!entry.isDirectory()) {
                        scan(where + "!/" + entry.getName(), jar.readAllBytes(), findings);
                    }
                }
            } catch (IOException e) {
                findings.add(where + ": not a readable jar (" + e.getMessage() + ")");
            }
        }
    }

    private JsonNode inspect() throws IOException {
        Result inspected = ContainerReplica.run(Duration.ofSeconds(30), List.of("podman", "image", "inspect", image), Map.of());
        assertThat(inspected.exit()).as(inspected.output()).isZero();
        return JSON.readTree(inspected.output()).get(0);
    }

    private static Path blob(Path oci, String digest) {
        return oci.resolve("blobs").resolve(digest.replace(':', '/'));
    }

    private static String gitHead() throws IOException {
        return ContainerReplica.run(Duration.ofSeconds(30), List.of("git", "rev-parse", "HEAD"), Map.of()).output().strip();
    }

    /** Reads a tar stream (ustar, with GNU and PAX long names) file by file; layers are plain tars. */
    static final class Tar {

        interface FileConsumer {
            void accept(String path, byte[] content) throws IOException;
        }

        /** Hands every regular file to {@code consumer}; answers how many there were. */
        static int forEachFile(InputStream in, FileConsumer consumer) throws IOException {
            int files = 0;
            String longName = null;
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
                String name = field(header, 0, 100);
                String prefix = field(header, 345, 155);
                long size = Long.parseLong(field(header, 124, 12).trim().isEmpty() ? "0" : field(header, 124, 12).trim(), 8);
                char type = (char) header[156];
                byte[] content = in.readNBytes((int) size);
                in.skipNBytes((512 - size % 512) % 512);
                if (type == 'L') {
                    longName = new String(content, StandardCharsets.UTF_8).trim();
                } else if (type == 'x') {
                    String pax = new String(content, StandardCharsets.UTF_8);
                    int path = pax.indexOf(" path=");
                    longName = path < 0 ? null : pax.substring(path + 6, pax.indexOf('\n', path));
                } else {
                    String path = longName != null ? longName : prefix.isEmpty() ? name : prefix + "/" + name;
                    longName = null;
                    if (type == '0' || type == 0) {
                        consumer.accept(path, content);
                        files++;
                    }
                }
            }
            return files;
        }

        private static String field(byte[] header, int offset, int length) {
            int end = offset;
            while (end < offset + length && header[end] != 0) {
                end++;
            }
            return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
        }
    }
}
