package io.keapgateway.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The Kubernetes objects of one kustomize overlay, rendered by {@code kubectl kustomize}. */
record Manifests(String overlay, List<JsonNode> objects) {

    static final Path OVERLAYS = Path.of("deploy", "overlays");
    private static final YAMLMapper YAML = new YAMLMapper();
    /** Rendered once per test run: kubectl takes seconds on a loaded machine. */
    private static final Map<String, Manifests> RENDERED = new HashMap<>();

    /** Every overlay directory (one with a kustomization.yaml). */
    static Stream<String> overlays() throws IOException {
        try (Stream<Path> entries = Files.list(OVERLAYS)) {
            return entries.filter(dir -> Files.exists(dir.resolve("kustomization.yaml")))
                    .map(dir -> dir.getFileName().toString()).sorted().toList().stream();
        }
    }

    static synchronized Manifests render(String overlay) throws IOException, InterruptedException {
        Manifests rendered = RENDERED.get(overlay);
        if (rendered == null) {
            rendered = kustomize(overlay, OVERLAYS.resolve(overlay));
            RENDERED.put(overlay, rendered);
        }
        return rendered;
    }

    /**
     * The prod overlay with {@code components} (directories under {@code deploy/components}) added, as an
     * overlay of ops' own would: rendered from a kustomization written under {@code target/}.
     */
    static Manifests prodWith(String... components) throws IOException, InterruptedException {
        Path dir = Path.of("target", "kustomize", String.join("+", components));
        Files.createDirectories(dir);
        StringBuilder kustomization = new StringBuilder("""
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources: [../../../deploy/overlays/prod]
                components:
                """);
        for (String component : components) {
            kustomization.append("  - ../../../deploy/components/").append(component).append('\n');
        }
        Files.writeString(dir.resolve("kustomization.yaml"), kustomization);
        return kustomize("prod+" + String.join("+", components), dir);
    }

    /** The kustomization in {@code directory}, rendered. */
    static Manifests kustomize(String overlay, Path directory) throws IOException, InterruptedException {
        Path output = Files.createTempFile("kustomize-" + overlay, ".yaml");
        try {
            Process kubectl = new ProcessBuilder("kubectl", "kustomize", directory.toString())
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!kubectl.waitFor(2, TimeUnit.MINUTES)) {
                kubectl.destroyForcibly();
                throw new AssertionError("kubectl kustomize " + overlay + " did not finish in 2 minutes");
            }
            String rendered = Files.readString(output, StandardCharsets.UTF_8);
            if (kubectl.exitValue() != 0) {
                throw new AssertionError("kubectl kustomize " + overlay + " failed:\n" + rendered);
            }
            return new Manifests(overlay, parse(rendered));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    static List<JsonNode> parse(String yaml) throws IOException {
        List<JsonNode> objects = new ArrayList<>();
        try (MappingIterator<JsonNode> documents = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (documents.hasNext()) {
                JsonNode object = documents.next();
                if (object != null && !object.isEmpty()) {
                    objects.add(object);
                }
            }
        }
        return objects;
    }

    List<JsonNode> ofKind(String kind) {
        return objects.stream().filter(object -> kind.equals(object.path("kind").asText())).toList();
    }

    JsonNode named(String kind, String name) {
        return ofKind(kind).stream().filter(object -> name.equals(object.path("metadata").path("name").asText()))
                .findFirst().orElseThrow(() -> new AssertionError(overlay + " has no " + kind + " " + name));
    }

    /** The pod templates of every workload (Deployments and StatefulSets). */
    List<JsonNode> podTemplates() {
        return Stream.concat(ofKind("Deployment").stream(), ofKind("StatefulSet").stream())
                .map(workload -> workload.path("spec").path("template")).toList();
    }

    /** The gateway's container. */
    JsonNode gatewayContainer() {
        return named("Deployment", "keap-gateway").path("spec").path("template").path("spec").path("containers").get(0);
    }

    @Override
    public String toString() {
        return overlay;
    }
}
