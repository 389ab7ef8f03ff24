package io.keapgateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The monitoring component rendered into the prod overlay: the ServiceMonitor scrapes the gateway's metrics
 * port, the PrometheusRule's rules pass {@code promtool check rules} and fire when they should on synthetic
 * series ({@code promtool test rules}), every alert has a runbook in docs/operations.md, and the dashboard
 * ConfigMap is the dashboard file, labelled for Grafana's sidecar. MonitoringIT runs all of it against a real
 * Prometheus scraping packaged replicas.
 */
class MonitoringComponentTest {

    private static final Path COMPONENT = Path.of("deploy", "components", "monitoring");
    private static final Path WORK = Path.of("target", "monitoring-component");
    private static MonitoringKit kit;

    @BeforeAll
    static void render() throws Exception {
        kit = MonitoringKit.render();
    }

    @Test
    void theServiceMonitorScrapesTheMetricsOnTheGatewayServicesManagementPort() {
        JsonNode monitor = kit.serviceMonitor().path("spec");
        JsonNode service = kit.manifests().named("Service", "keap-gateway");
        monitor.path("selector").path("matchLabels").fields().forEachRemaining(label -> assertThat(
                service.path("metadata").path("labels").path(label.getKey()).asText()).as(label.getKey())
                .isEqualTo(label.getValue().asText()));
        assertThat(monitor.path("endpoints")).hasSize(1);
        JsonNode endpoint = monitor.path("endpoints").get(0);
        assertThat(endpoint.path("path").asText()).isEqualTo("/q/metrics");
        JsonNode port = null;
        for (JsonNode candidate : service.path("spec").path("ports")) {
            if (candidate.path("name").asText().equals(endpoint.path("port").asText())) {
                port = candidate;
            }
        }
        assertThat(port).as("the Service port the ServiceMonitor names").isNotNull();
        // The container port behind it is the management interface (DeployManifestsTest checks it is 9000).
        assertThat(port.path("targetPort").asText()).isEqualTo("management");
        // The job label KeapGatewayAbsent looks for.
        assertThat(service.path("metadata").path("labels").path(monitor.path("jobLabel").asText()).asText())
                .isEqualTo("keap-gateway");
        assertThat(kit.prometheusRule().toString()).contains("up{job=\\\"keap-gateway\\\"}");
    }

    @Test
    void theRulesPassPromtoolCheck() throws Exception {
        Path rules = MonitoringKit.write(WORK, "rules.yaml", kit.rulesFile());
        MonitoringKit.Run check = MonitoringKit.run(WORK, "promtool", "check", "rules", rules.getFileName().toString());
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS: " + kit.alerts().size() + " rules found");
        assertThat(kit.alerts()).hasSizeGreaterThanOrEqualTo(12);
    }

    @Test
    void alertsFireAfterTheirWaitOnSyntheticSeries() throws Exception {
        Path dir = WORK.resolve("timing");
        MonitoringKit.write(dir, "rules.yaml", kit.rulesFileWithoutAnnotations());
        Files.copy(Path.of("src", "test", "resources", "monitoring", "alert-timing.test.yaml"),
                dir.resolve("alert-timing.test.yaml"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        MonitoringKit.Run test = MonitoringKit.run(dir, "promtool", "test", "rules", "alert-timing.test.yaml");
        assertThat(test.exitCode()).as(test.output()).isZero();
        assertThat(test.output()).contains("SUCCESS");
    }

    @Test
    void everyAlertHasASeveritySummaryDescriptionAndARunbookInTheOperationsDoc() throws Exception {
        Set<String> anchors = headingAnchors(Files.readString(Path.of("docs", "operations.md")));
        Set<String> names = new TreeSet<>();
        for (JsonNode alert : kit.alerts()) {
            String name = alert.path("alert").asText();
            assertThat(names.add(name)).as("one alert named " + name).isTrue();
            assertThat(alert.path("labels").path("severity").asText()).as(name).isIn("critical", "warning");
            JsonNode annotations = alert.path("annotations");
            assertThat(annotations.path("summary").asText()).as(name).isNotBlank();
            assertThat(annotations.path("description").asText()).as(name).isNotBlank();
            String runbook = annotations.path("runbook_url").asText();
            assertThat(runbook).as(name).contains("docs/operations.md#" + name.toLowerCase(Locale.ROOT));
            assertThat(anchors).as("a section of docs/operations.md for " + name)
                    .contains(runbook.substring(runbook.indexOf('#') + 1));
        }
        assertThat(names).contains("KeapConnectionNeedsReauthorization", "KeapGatewayCircuitOpen", "KeapGatewayAbsent",
                "KeapGatewayKeyGuessing", "KeapGatewaySustainedDenials");
    }

    @Test
    void theDashboardConfigMapIsTheDashboardFileLabelledForTheGrafanaSidecar() throws Exception {
        JsonNode configMap = kit.dashboardConfigMap();
        assertThat(configMap.path("metadata").path("labels").path("grafana_dashboard").asText()).isEqualTo("1");
        assertThat(configMap.path("data").path(MonitoringKit.DASHBOARD_FILE).asText())
                .isEqualTo(Files.readString(COMPONENT.resolve(MonitoringKit.DASHBOARD_FILE)));
        List<MonitoringKit.Panel> panels = kit.panels();
        Set<String> titles = new HashSet<>();
        for (MonitoringKit.Panel panel : panels) {
            titles.add(panel.title());
            assertThat(panel.queries()).as(panel.title()).isNotEmpty().allSatisfy(query -> assertThat(query)
                    .contains("keap_gateway_").doesNotContain("$"));
        }
        // What Grafana needs to lay the panels out and send their queries to the chosen data source.
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : kit.dashboard().path("panels")) {
            assertThat(ids.add(panel.path("id").asInt())).as("a panel id used once").isTrue();
            assertThat(panel.path("gridPos").path("w").asInt()).as(panel.path("title").asText()).isPositive();
            assertThat(panel.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
            panel.path("targets").forEach(target -> assertThat(target.path("refId").asText()).isNotBlank());
        }
        assertThat(kit.dashboard().path("templating").path("list").toString()).contains("\"name\":\"datasource\"",
                "\"name\":\"connection\"");
        assertThat(titles).contains("Requests by key and status class", "Denials by reason", "Keap's daily quota",
                "Access token expires in", "Connection status", "Circuit state", "Upstream latency",
                "In flight to Keap", "Limits decided locally (Redis unreachable)");
    }

    @Test
    void theRulesHaveOneSourceTheComponent() {
        assertThat(Path.of("deploy", "monitoring")).doesNotExist();
    }

    /** GitHub's anchors of a Markdown document's headings: lower case, punctuation dropped, spaces as dashes. */
    static Set<String> headingAnchors(String markdown) {
        Set<String> anchors = new HashSet<>();
        for (String line : markdown.split("\n")) {
            if (line.startsWith("#")) {
                String heading = line.replaceFirst("^#+\\s*", "").strip().toLowerCase(Locale.ROOT);
                anchors.add(heading.replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
            }
        }
        return anchors;
    }
}
