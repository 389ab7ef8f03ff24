package io.keapgateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.keapgateway.config.GatewayConfig;
import io.keapgateway.testsupport.HealthPaths;
import io.smallrye.config.WithDefault;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Renders every overlay under {@code deploy/overlays} with {@code kubectl kustomize} and checks the result
 * against the application: the probes and ports it serves, the settings it reads, what the public Ingress
 * exposes, whom forwarded headers are trusted from, and how its pods run.
 */
class DeployManifestsTest {

    /** The gateway's graceful shutdown, in seconds, which the grace period must leave room for. */
    private static final int GRACEFUL_SHUTDOWN_SECONDS = 25;
    /** CONTRACT "Public paths": what the internet reaches on PUBLIC_URL's host, and nothing else. */
    private static final Set<String> PUBLIC_PATHS = Set.of("/crm/", "/oauth/start", "/oauth/callback",
            "/oauth/result/", "/gateway/key", "/errors/");
    /** ingress-nginx's default keep-alive towards upstreams ({@code upstream-keepalive-timeout}), in seconds. */
    private static final int INGRESS_UPSTREAM_KEEPALIVE_SECONDS = 60;
    private static final String NGINX = "nginx.ingress.kubernetes.io/";

    static Stream<String> overlays() throws IOException {
        return Manifests.overlays();
    }

    @Test
    void everyEnvironmentHasAnOverlay() throws IOException {
        assertThat(Manifests.overlays().toList()).contains("dev", "prod", "prod-sentinel", "prod-cluster", "admin");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void probesUseHealthPathsTheAppServesOnItsManagementPort(String overlay) throws Exception {
        JsonNode gateway = Manifests.render(overlay).gatewayContainer();
        Properties app = applicationProperties();
        Map<String, Integer> ports = new HashMap<>();
        gateway.path("ports").forEach(port -> ports.put(port.path("name").asText(), port.path("containerPort").asInt()));
        assertThat(ports).containsEntry("http", Integer.parseInt(app.getProperty("quarkus.http.port")))
                .containsEntry("management", Integer.parseInt(prod(app, "quarkus.management.port")));
        assertThat(app.getProperty("quarkus.management.root-path", "/q")).isEqualTo("/q");
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            JsonNode get = gateway.path(probe).path("httpGet");
            assertThat(get.path("port").asText()).as(probe + " port").isEqualTo("management");
            assertThat(HealthPaths.PROBES).as(probe + " path").contains(get.path("path").asText());
        }
        assertThat(gateway.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/ready");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyEnvironmentNameIsASettingTheAppReadsAtRunTime(String overlay) throws Exception {
        Set<String> gatewayNames = ConfigNames.gateway();
        Map<String, String> quarkusNames = ConfigNames.quarkus();
        assertThat(gatewayNames).contains("KEAP_GATEWAY_PUBLIC_URL", "KEAP_GATEWAY_LIMITS_CONNECTION_RATE");
        assertThat(quarkusNames).containsEntry("QUARKUS_REDIS_HOSTS", "RUN_TIME")
                .containsEntry("QUARKUS_HTTP_ROOT_PATH", "BUILD_AND_RUN_TIME_FIXED");
        for (String name : environment(Manifests.render(overlay)).keySet()) {
            if (name.startsWith("KEAP_GATEWAY_")) {
                assertThat(gatewayNames).as("a setting of GatewayConfig").contains(name);
            } else {
                assertThat(quarkusNames).as("a Quarkus setting").containsKey(name);
                assertThat(quarkusNames.get(name)).as(name + " must be read at run time, not fixed at build time")
                        .isEqualTo("RUN_TIME");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void thePublicIngressRoutesEveryPublicPathAndNothingElse(String overlay) throws Exception {
        JsonNode ingress = Manifests.render(overlay).named("Ingress", "keap-gateway");
        assertThat(ingress.path("spec").has("defaultBackend")).isFalse();
        assertThat(paths(ingress)).containsExactlyInAnyOrderElementsOf(PUBLIC_PATHS);
        for (JsonNode rule : ingress.path("spec").path("rules")) {
            for (JsonNode path : rule.path("http").path("paths")) {
                String expected = path.path("path").asText().endsWith("/") ? "Prefix" : "Exact";
                assertThat(path.path("pathType").asText()).as(path.path("path").asText()).isEqualTo(expected);
            }
        }
    }

    /**
     * The public Ingress lets the gateway answer for itself: bodies up to its own limit, streamed both ways
     * (no spooling), a read timeout longer than its budget for Keap; and the gateway keeps an idle connection
     * open longer than the ingress does, so that the ingress never sends on a connection being closed.
     */
    @ParameterizedTest
    @MethodSource("overlays")
    void thePublicIngressStreamsUpToTheGatewaysLimitsAndTimesOutAfterIt(String overlay) throws Exception {
        Manifests manifests = Manifests.render(overlay);
        JsonNode annotations = manifests.named("Ingress", "keap-gateway").path("metadata").path("annotations");
        assertThat(megabytes(annotations.path(NGINX + "proxy-body-size").asText("1m")))
                .isGreaterThanOrEqualTo(megabytes(gatewayDefault("proxy", "maxBodySize")));
        assertThat(annotations.path(NGINX + "proxy-request-buffering").asText()).isEqualTo("off");
        assertThat(annotations.path(NGINX + "proxy-buffering").asText()).isEqualTo("off");
        long budget = Duration.parse("PT" + gatewayDefault("proxy", "responseTimeout").toUpperCase()).toSeconds();
        for (String timeout : List.of("proxy-read-timeout", "proxy-send-timeout")) {
            assertThat(annotations.path(NGINX + timeout).asLong(60)).as(timeout).isGreaterThan(budget);
        }
        String idle = environment(manifests).getOrDefault("QUARKUS_HTTP_IDLE_TIMEOUT",
                applicationProperties().getProperty("quarkus.http.idle-timeout"));
        assertThat(Duration.parse("PT" + idle.toUpperCase()).toSeconds()).as("the gateway's idle timeout")
                .isGreaterThan(INGRESS_UPSTREAM_KEEPALIVE_SECONDS);
        // The ingress pods are the gateway's only TCP peers: its per-address cap must fit their connection pools.
        assertThat(Integer.parseInt(environment(manifests).getOrDefault("KEAP_GATEWAY_PROXY_MAX_CONNECTIONS_PER_ADDRESS",
                gatewayDefault("proxy", "maxConnectionsPerAddress")))).isGreaterThanOrEqualTo(1024);
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theConsoleAndAdminApiAreRoutedOnlyFromRestrictedSourceRanges(String overlay) throws Exception {
        for (JsonNode ingress : Manifests.render(overlay).ofKind("Ingress")) {
            if (paths(ingress).stream().noneMatch(path -> path.startsWith("/admin") || path.startsWith("/console"))) {
                continue;
            }
            String ranges = ingress.path("metadata").path("annotations")
                    .path("nginx.ingress.kubernetes.io/whitelist-source-range").asText();
            assertThat(ranges).as("source ranges of " + ingress.path("metadata").path("name")).isNotBlank();
            assertThat(ranges.split(",")).allSatisfy(range -> assertThat(range.trim()).doesNotEndWith("/0"));
        }
    }

    @Test
    void theAdminOverlayAddsTheRestrictedIngress() throws Exception {
        assertThat(paths(Manifests.render("admin").named("Ingress", "keap-gateway-admin")))
                .contains("/console", "/admin/", "/errors/");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void forwardedHeadersAreTrustedFromTheIngressOnly(String overlay) throws Exception {
        Map<String, String> env = environment(Manifests.render(overlay));
        assertThat(env).containsEntry("QUARKUS_HTTP_PROXY_PROXY_ADDRESS_FORWARDING", "true");
        String trusted = env.get("QUARKUS_HTTP_PROXY_TRUSTED_PROXIES");
        assertThat(trusted).as("trusted proxies").isNotBlank();
        for (String proxy : trusted.split(",")) {
            String address = proxy.trim();
            assertThat(address).as("a trusted proxy").doesNotEndWith("/0").isNotIn("0.0.0.0", "::", "*")
                    .matches("[0-9a-fA-F.:]+(/\\d{1,3})?");
            if (address.contains("/")) {
                assertThat(Integer.parseInt(address.substring(address.indexOf('/') + 1))).isGreaterThanOrEqualTo(8);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyPodRunsAsNonRootWithAReadOnlyRootFilesystemAndNoServiceAccountToken(String overlay) throws Exception {
        List<JsonNode> pods = Manifests.render(overlay).podTemplates();
        assertThat(pods).isNotEmpty();
        for (JsonNode pod : pods) {
            JsonNode spec = pod.path("spec");
            assertThat(spec.path("automountServiceAccountToken").asBoolean(true)).isFalse();
            assertThat(spec.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
            assertThat(spec.path("securityContext").path("runAsUser").asInt(0)).isPositive();
            for (JsonNode container : spec.path("containers")) {
                JsonNode security = container.path("securityContext");
                assertThat(security.path("readOnlyRootFilesystem").asBoolean()).as(container.path("name").asText()).isTrue();
                assertThat(security.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
                assertThat(security.path("capabilities").path("drop").toString()).contains("ALL");
                assertThat(security.path("runAsUser").asInt(1)).isPositive();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void replicasSurviveDisruptionsAndDrainBeforeTheyStop(String overlay) throws Exception {
        Manifests manifests = Manifests.render(overlay);
        JsonNode deployment = manifests.named("Deployment", "keap-gateway");
        assertThat(deployment.path("spec").has("replicas")).as("the autoscaler owns the replica count").isFalse();
        JsonNode autoscaler = manifests.named("HorizontalPodAutoscaler", "keap-gateway").path("spec");
        assertThat(autoscaler.path("scaleTargetRef").path("name").asText()).isEqualTo("keap-gateway");
        assertThat(autoscaler.path("minReplicas").asInt()).isGreaterThanOrEqualTo(overlay.startsWith("dev") ? 2 : 3);
        JsonNode budget = manifests.named("PodDisruptionBudget", "keap-gateway").path("spec");
        assertThat(budget.has("minAvailable")).isFalse();
        assertThat(budget.path("maxUnavailable").asInt()).as("a drain takes one replica at a time").isEqualTo(1);
        JsonNode pod = deployment.path("spec").path("template").path("spec");
        int drain = manifests.gatewayContainer().path("lifecycle").path("preStop").path("sleep").path("seconds").asInt();
        assertThat(drain).as("preStop drain delay").isBetween(1, 15);
        // preStop, then custody's drain (only when a token refresh is out), then the graceful shutdown.
        long custodyDrain = Duration.parse("PT" + gatewayDefault("oAuth", "shutdownDrain").toUpperCase()).toSeconds();
        assertThat(pod.path("terminationGracePeriodSeconds").asInt())
                .isGreaterThan(drain + (int) custodyDrain + GRACEFUL_SHUTDOWN_SECONDS);
        JsonNode resources = manifests.gatewayContainer().path("resources");
        assertThat(resources.path("requests").path("memory").asText()).isNotBlank();
        assertThat(resources.path("limits").path("memory").asText()).isNotBlank();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void redisIsReachableOnlyFromTheGateway(String overlay) throws Exception {
        Manifests manifests = Manifests.render(overlay);
        if (manifests.ofKind("StatefulSet").isEmpty()) {
            assertThat(manifests.ofKind("NetworkPolicy")).as("a policy for a Redis that is not here")
                    .noneMatch(policy -> policy.path("metadata").path("name").asText().equals("keap-gateway-redis"));
            return;
        }
        JsonNode policy = manifests.named("NetworkPolicy", "keap-gateway-redis").path("spec");
        assertThat(policy.path("podSelector").path("matchLabels").path("app.kubernetes.io/name").asText())
                .isEqualTo("keap-gateway-redis");
        assertThat(policy.path("ingress")).hasSize(1);
        JsonNode from = policy.path("ingress").get(0).path("from");
        assertThat(from).hasSize(1);
        assertThat(from.get(0).path("podSelector").path("matchLabels").path("app.kubernetes.io/name").asText())
                .isEqualTo("keap-gateway");
        JsonNode gateway = Manifests.render(overlay).named("NetworkPolicy", "keap-gateway").path("spec").path("ingress");
        for (JsonNode rule : gateway) {
            if (rule.path("ports").get(0).path("port").asInt() == 9000) {
                assertThat(rule.path("from").toString()).contains("monitoring");
            }
        }
    }

    @Test
    void devRunsOneRedisWithAppendOnlyPersistenceAndProdNone() throws Exception {
        JsonNode redis = Manifests.render("dev").named("StatefulSet", "keap-gateway-redis").path("spec");
        assertThat(redis.path("replicas").asInt()).isEqualTo(1);
        assertThat(redis.path("template").path("spec").path("containers").get(0).path("args").toString())
                .contains("\"--appendonly\",\"yes\"");
        for (String overlay : List.of("prod", "prod-sentinel", "prod-cluster", "admin")) {
            assertThat(Manifests.render(overlay).ofKind("StatefulSet")).as(overlay).isEmpty();
        }
        assertThat(environment(Manifests.render("prod-sentinel"))).containsEntry("QUARKUS_REDIS_CLIENT_TYPE", "sentinel")
                .containsKey("QUARKUS_REDIS_MASTER_NAME");
        assertThat(environment(Manifests.render("prod-cluster"))).containsEntry("QUARKUS_REDIS_CLIENT_TYPE", "cluster");
    }

    @ParameterizedTest
    @ValueSource(strings = {"prod", "prod-sentinel", "prod-cluster", "admin"})
    void everyProductionRedisIsReachedOverTlsAsAnAclUser(String overlay) throws Exception {
        String hosts = environment(Manifests.render(overlay)).get("QUARKUS_REDIS_HOSTS");
        assertThat(hosts.split(",")).isNotEmpty().allSatisfy(host -> assertThat(host.trim())
                .startsWith("rediss://").contains("?user=").doesNotContain("@"));
    }

    @Test
    void theNamespacesTrafficMayComeFromAreSetInOnePatch() throws Exception {
        JsonNode patch = Manifests.parse(Files.readString(Path.of("deploy", "overlays", "prod", "network-sources.yaml")))
                .get(0);
        JsonNode rendered = Manifests.render("prod").named("NetworkPolicy", "keap-gateway");
        assertThat(rendered.path("spec").path("ingress")).isEqualTo(patch.path("spec").path("ingress"));
    }

    @Test
    void theJvmComponentGivesTheJvmImageTheMemoryItNeeds() throws Exception {
        Manifests manifests = Manifests.prodWith("jvm");
        JsonNode gateway = manifests.gatewayContainer();
        assertThat(gateway.path("image").asText()).contains("keap-gateway-jvm");
        assertThat(megabytes(gateway.path("resources").path("limits").path("memory").asText()))
                .isGreaterThanOrEqualTo(512);
    }

    @Test
    void theExternalSecretComponentMakesTheSecretTheDeploymentReads() throws Exception {
        Manifests manifests = Manifests.prodWith("external-secret");
        JsonNode external = manifests.named("ExternalSecret", "keap-gateway").path("spec");
        assertThat(external.path("target").path("name").asText()).isEqualTo("keap-gateway");
        Set<String> made = new TreeSet<>();
        external.path("data").forEach(item -> made.add(item.path("secretKey").asText()));
        for (JsonNode env : manifests.gatewayContainer().path("env")) {
            JsonNode ref = env.path("valueFrom").path("secretKeyRef");
            if (!ref.isMissingNode() && !ref.path("optional").asBoolean(false)) {
                assertThat(made).as("a required key of the Secret").contains(ref.path("key").asText());
            }
        }
    }

    @Test
    void theSecretTemplateHasNoValuesAndEveryKeyTheDeploymentReads() throws Exception {
        JsonNode secret = Manifests.parse(Files.readString(Path.of("deploy", "base", "secret.template.yaml"))).get(0);
        Set<String> keys = new TreeSet<>();
        secret.path("stringData").fields().forEachRemaining(field -> {
            assertThat(field.getValue().asText()).as(field.getKey()).isEmpty();
            keys.add(field.getKey());
        });
        for (JsonNode env : Manifests.render("prod").gatewayContainer().path("env")) {
            JsonNode ref = env.path("valueFrom").path("secretKeyRef");
            if (!ref.isMissingNode()) {
                assertThat(ref.path("name").asText()).isEqualTo(secret.path("metadata").path("name").asText());
                assertThat(keys).contains(ref.path("key").asText());
            }
        }
        assertThat(Manifests.render("prod").ofKind("Secret")).as("no Secret is applied with the manifests").isEmpty();
    }

    /**
     * docs/operations.md's overlay of one's own (the block marked {@code ops-overlay}), beside a checkout of
     * this repository as its text assumes: it renders, with the operator's image, public URL, Redis, trusted
     * proxies and host in place of the kit's examples.
     */
    @Test
    void theOverlayOfOnesOwnInOperationsMdRendersWithTheOperatorsValues() throws Exception {
        Matcher block = Pattern.compile("<!-- ops-overlay -->\\s*```yaml\\n(.*?)```", Pattern.DOTALL)
                .matcher(Files.readString(Path.of("docs", "operations.md")));
        assertThat(block.find()).as("the ops-overlay block of docs/operations.md").isTrue();
        Path beside = Path.of("target", "ops-overlay");
        Files.createDirectories(beside.resolve("my-keap-gateway"));
        Path checkout = beside.resolve("keap-gateway");
        if (!Files.exists(checkout, LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(checkout, Path.of("").toAbsolutePath());
        }
        Files.writeString(beside.resolve("my-keap-gateway").resolve("kustomization.yaml"), block.group(1));
        Manifests mine = Manifests.kustomize("ops-overlay", beside.resolve("my-keap-gateway"));
        assertThat(mine.gatewayContainer().path("image").asText()).isEqualTo("registry.mycompany.example/keap-gateway:0.1.0");
        assertThat(environment(mine)).containsEntry("KEAP_GATEWAY_PUBLIC_URL", "https://keap.mycompany.example")
                .containsEntry("QUARKUS_HTTP_PROXY_TRUSTED_PROXIES", "10.42.0.0/16")
                .containsEntry("QUARKUS_REDIS_HOSTS", "rediss://redis.mycompany.internal:6380?user=keap-gateway");
        JsonNode ingress = mine.named("Ingress", "keap-gateway").path("spec");
        assertThat(ingress.path("rules").get(0).path("host").asText()).isEqualTo("keap.mycompany.example");
        assertThat(ingress.path("tls").get(0).path("hosts").get(0).asText()).isEqualTo("keap.mycompany.example");
    }

    /** The gateway container's environment: its own {@code env} and every ConfigMap it reads whole. */
    private static Map<String, String> environment(Manifests manifests) {
        Map<String, String> env = new HashMap<>();
        JsonNode container = manifests.gatewayContainer();
        for (JsonNode source : container.path("envFrom")) {
            String map = source.path("configMapRef").path("name").asText();
            manifests.named("ConfigMap", map).path("data").fields()
                    .forEachRemaining(field -> env.put(field.getKey(), field.getValue().asText()));
        }
        for (JsonNode variable : container.path("env")) {
            env.put(variable.path("name").asText(), variable.path("value").asText(null));
        }
        return env;
    }

    private static List<String> paths(JsonNode ingress) {
        List<String> paths = new ArrayList<>();
        for (JsonNode rule : ingress.path("spec").path("rules")) {
            rule.path("http").path("paths").forEach(path -> paths.add(path.path("path").asText()));
        }
        return paths;
    }

    /** A {@code @WithDefault} of GatewayConfig's group {@code group}, e.g. ("proxy", "maxBodySize"). */
    private static String gatewayDefault(String group, String property) throws ReflectiveOperationException {
        Class<?> type = Class.forName(GatewayConfig.class.getName() + "$" + Character.toUpperCase(group.charAt(0))
                + group.substring(1));
        return type.getMethod(property).getAnnotation(WithDefault.class).value();
    }

    /** A size such as {@code 64M}, {@code 64m} or {@code 512Mi}, in MiB. */
    private static long megabytes(String size) {
        String number = size.replaceAll("[^0-9]", "");
        String unit = size.replaceAll("[0-9]", "").toLowerCase(Locale.ROOT);
        long value = Long.parseLong(number);
        return switch (unit) {
            case "g", "gi" -> value * 1024;
            case "m", "mi" -> value;
            case "k", "ki" -> value / 1024;
            default -> throw new AssertionError("unknown size unit in " + size);
        };
    }

    private static Properties applicationProperties() throws IOException {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("src", "main", "resources", "application.properties"))) {
            properties.load(in);
        }
        return properties;
    }

    /** The value in the prod profile: {@code %prod.name} if set, else {@code name}. */
    private static String prod(Properties properties, String name) {
        return properties.getProperty("%prod." + name, properties.getProperty(name));
    }
}
