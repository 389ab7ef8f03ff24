package io.keapgateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.keapgateway.testsupport.HealthPaths;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Renders every overlay under {@code deploy/overlays} with {@code kubectl kustomize} and checks the result
 * against the application: the probes and ports it serves, the settings it reads, what the public Ingress
 * exposes, whom forwarded headers are trusted from, and how its pods run.
 */
class DeployManifestsTest {

    /** The gateway's graceful shutdown, in seconds, which the grace period must leave room for. */
    private static final int GRACEFUL_SHUTDOWN_SECONDS = 25;
    private static final Set<String> PUBLIC_PATHS = Set.of("/crm/", "/oauth/callback");

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
    void thePublicIngressRoutesOnlyTheProxyAndTheOAuthCallback(String overlay) throws Exception {
        JsonNode ingress = Manifests.render(overlay).named("Ingress", "keap-gateway");
        assertThat(ingress.path("spec").has("defaultBackend")).isFalse();
        List<String> paths = paths(ingress);
        assertThat(paths).isNotEmpty().allSatisfy(path -> {
            assertThat(PUBLIC_PATHS).contains(path);
            assertThat(path).doesNotStartWith("/admin").doesNotStartWith("/console");
        });
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
                .contains("/console", "/admin/");
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
        assertThat(deployment.path("spec").path("replicas").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(manifests.named("HorizontalPodAutoscaler", "keap-gateway").path("spec").path("minReplicas").asInt())
                .isGreaterThanOrEqualTo(2);
        assertThat(manifests.named("PodDisruptionBudget", "keap-gateway").path("spec").path("minAvailable").asInt())
                .isGreaterThanOrEqualTo(1);
        JsonNode pod = deployment.path("spec").path("template").path("spec");
        int drain = manifests.gatewayContainer().path("lifecycle").path("preStop").path("sleep").path("seconds").asInt();
        assertThat(drain).as("preStop drain delay").isBetween(1, 15);
        assertThat(pod.path("terminationGracePeriodSeconds").asInt()).isGreaterThan(drain + GRACEFUL_SHUTDOWN_SECONDS);
        JsonNode resources = manifests.gatewayContainer().path("resources");
        assertThat(resources.path("requests").path("memory").asText()).isNotBlank();
        assertThat(resources.path("limits").path("memory").asText()).isNotBlank();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void redisIsReachableOnlyFromTheGateway(String overlay) throws Exception {
        JsonNode policy = Manifests.render(overlay).named("NetworkPolicy", "keap-gateway-redis").path("spec");
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
