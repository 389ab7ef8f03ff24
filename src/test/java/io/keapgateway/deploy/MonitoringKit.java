package io.keapgateway.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The monitoring component ({@code deploy/components/monitoring}) as ops get it, rendered into the prod overlay:
 * its ServiceMonitor, its PrometheusRule's groups as a plain Prometheus rules file, and its Grafana dashboard's
 * queries with Grafana's variables replaced by fixed values.
 */
record MonitoringKit(Manifests manifests) {

    static final String DASHBOARD_FILE = "keap-gateway-dashboard.json";
    /**
     * What Grafana would put for its variables: the connection variable's "All" ({@code .*}, its allValue),
     * and windows long enough for two samples at the test's 1 s scrape interval.
     */
    private static final Map<String, String> GRAFANA_VARIABLES = Map.of("$__rate_interval", "1m",
            "$__interval", "15s", "$__range", "5m", "$connection", ".*");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = YAMLMapper.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .build();

    /** A dashboard panel's title and its queries, as Grafana would send them. */
    record Panel(String title, List<String> queries) {
    }

    /** The outcome of a command line tool. */
    record Run(int exitCode, String output) {
    }

    static MonitoringKit render() throws IOException, InterruptedException {
        return new MonitoringKit(Manifests.prodWith("monitoring"));
    }

    JsonNode prometheusRule() {
        return manifests.named("PrometheusRule", "keap-gateway");
    }

    JsonNode serviceMonitor() {
        return manifests.named("ServiceMonitor", "keap-gateway");
    }

    /** Every alerting rule of the PrometheusRule. */
    List<JsonNode> alerts() {
        List<JsonNode> alerts = new ArrayList<>();
        prometheusRule().path("spec").path("groups")
                .forEach(group -> group.path("rules").forEach(rule -> {
                    if (rule.has("alert")) {
                        alerts.add(rule);
                    }
                }));
        return alerts;
    }

    /** The PrometheusRule's groups as a plain rules file (what the Operator hands Prometheus). */
    String rulesFile() throws IOException {
        return rulesFile(rule -> {
        });
    }

    /** The rules file with every {@code for:} set to 0s, so that a test sees an alert fire at once. */
    String rulesFileFiringAtOnce() throws IOException {
        return rulesFile(rule -> {
            if (rule.has("for")) {
                rule.put("for", "0s");
            }
        });
    }

    /** The rules file without annotations: promtool's unit tests compare an alert's annotations whole. */
    String rulesFileWithoutAnnotations() throws IOException {
        return rulesFile(rule -> rule.remove("annotations"));
    }

    private String rulesFile(Consumer<ObjectNode> changeRule) throws IOException {
        ObjectNode file = JSON.createObjectNode();
        JsonNode groups = prometheusRule().path("spec").path("groups").deepCopy();
        groups.forEach(group -> group.path("rules").forEach(rule -> changeRule.accept((ObjectNode) rule)));
        file.set("groups", groups);
        return YAML.writeValueAsString(file);
    }

    /** The dashboard ConfigMap the Grafana sidecar loads. */
    JsonNode dashboardConfigMap() {
        return manifests.named("ConfigMap", "keap-gateway-dashboard");
    }

    /** The dashboard, as the ConfigMap carries it. */
    JsonNode dashboard() throws IOException {
        return JSON.readTree(dashboardConfigMap().path("data").path(DASHBOARD_FILE).asText());
    }

    /** Every panel with its queries, Grafana's variables replaced. */
    List<Panel> panels() throws IOException {
        List<Panel> panels = new ArrayList<>();
        for (JsonNode panel : dashboard().path("panels")) {
            List<String> queries = new ArrayList<>();
            panel.path("targets").forEach(target -> queries.add(expand(target.path("expr").asText())));
            panels.add(new Panel(panel.path("title").asText(), queries));
        }
        return panels;
    }

    static String expand(String query) {
        String expanded = query;
        for (Map.Entry<String, String> variable : GRAFANA_VARIABLES.entrySet()) {
            expanded = expanded.replace(variable.getKey(), variable.getValue());
        }
        return expanded;
    }

    /** Runs a command line tool (promtool) in {@code directory}; answers its exit code and output. */
    static Run run(Path directory, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(1, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in a minute");
        }
        return new Run(process.exitValue(), output);
    }

    /** Writes {@code text} to {@code file} under {@code directory} (created); answers the file. */
    static Path write(Path directory, String file, String text) throws IOException {
        Files.createDirectories(directory);
        return Files.writeString(directory.resolve(file), text);
    }
}
