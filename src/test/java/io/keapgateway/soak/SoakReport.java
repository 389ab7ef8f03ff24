package io.keapgateway.soak;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/** What a run saw, as the Markdown report written to {@code target/soak/} and the summary printed at the end. */
final class SoakReport {

    private final SoakPlan plan;
    private final Duration ran;
    private final List<Faults.Fault> timeline;
    private final Traffic traffic;
    private final AdminDriver admin;
    private final Violations violations;
    private final int refreshes;
    private final ToDoubleFunction<Instant> seconds;

    SoakReport(SoakPlan plan, Duration ran, List<Faults.Fault> timeline, Traffic traffic, AdminDriver admin,
            Violations violations, int refreshes, ToDoubleFunction<Instant> seconds) {
        this.plan = plan;
        this.ran = ran;
        this.timeline = timeline;
        this.traffic = traffic;
        this.admin = admin;
        this.violations = violations;
        this.refreshes = refreshes;
        this.seconds = seconds;
    }

    boolean held() {
        return violations.all().isEmpty();
    }

    long requests() {
        return traffic.statuses.values().stream().flatMap(m -> m.values().stream()).mapToLong(Integer::longValue).sum();
    }

    /** One line: what ran and what held. */
    String summary() {
        long checks = violations.checks().values().stream().mapToLong(Integer::longValue).sum();
        return String.format("soak %s (%s): %d requests, %d faults, %d admin changes acknowledged (%d refused), "
                + "%d refreshes, %d invariant checks, %d broken", plan, gatewayKind(), requests(), timeline.size(),
                admin.acknowledged.get(), admin.refused.get(), refreshes, checks, violations.all().size());
    }

    void write(Path directory) throws IOException {
        Files.createDirectories(directory);
        StringBuilder out = new StringBuilder();
        out.append("# Soak report: ").append(plan).append("\n\n").append(summary()).append("\n\n");
        out.append("Replay: `./mvnw -B -ntp verify -DskipUnitTests=true -Dit.test=SoakIT -Dsoak.seed=").append(plan.seed())
                .append(" -Dsoak.seconds=").append(plan.duration().toSeconds()).append(" -Dsoak.topology=")
                .append(plan.topology()).append("`\n\n");
        out.append("## Invariants\n\n| invariant | checks | held |\n|---|---|---|\n");
        violations.checks().forEach((invariant, count) -> out.append("| ").append(invariant).append(" | ").append(count)
                .append(" | ").append(violations.held(invariant) ? "yes" : "**BROKEN**").append(" |\n"));
        out.append("\n## Broken\n\n");
        if (violations.all().isEmpty()) {
            out.append("None.\n");
        }
        for (Violations.Violation violation : violations.all()) {
            out.append(String.format("- seed %d at %.1f s: %s: %s%n", plan.seed(), violation.at().toMillis() / 1000.0,
                    violation.invariant(), violation.detail()));
        }
        out.append("\n## Requests by status\n\n(-1: no answer from a replica that was stopped; -2: no answer otherwise)\n\n")
                .append("| client | statuses | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|\n");
        Map<String, List<Long>> latencies = new TreeMap<>(traffic.latencies);
        traffic.statusTable().forEach((profile, counts) -> {
            List<Long> sorted = new ArrayList<>(latencies.getOrDefault(profile, List.of()));
            sorted.sort(null);
            out.append("| ").append(profile).append(" | ").append(counts).append(" | ").append(percentile(sorted, 50))
                    .append(" | ").append(percentile(sorted, 95)).append(" | ").append(percentile(sorted, 99)).append(" | ")
                    .append(sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1)).append(" |\n");
        });
        out.append("\n5xx `upstream_unavailable` on the OAuth connection with only a Redis fault in the window, not "
                + "counted as broken (docs/operations.md, \"Redis down\" and \"Redis emptied\": no refresh without Redis): ").append(traffic.documentedRedis502.get())
                .append("\n\nRefresh tokens sent again after their first sender died before Keap's answer reached it "
                        + "(documented in docs/oauth.md, \"What is not covered\"): ").append(Soak.DOCUMENTED_LOSSES.get())
                .append("\n\nRotated secrets refused by a replica right after the rotation and accepted at its next poll "
                        + "(the residual in docs/keys.md): ").append(admin.rotationResidual.get())
                .append("\n\n## Fault timeline\n\n| began s | ended s | fault | target | detail |\n|---|---|---|---|---|\n");
        for (Faults.Fault fault : timeline) {
            out.append(String.format("| %.1f | %s | %s | %s | %s |%n", seconds.applyAsDouble(fault.began()),
                    fault.ended() == null ? "-" : String.format("%.1f", seconds.applyAsDouble(fault.ended())), fault.kind(),
                    fault.target(), fault.detail()));
        }
        Path file = directory.resolve("report-" + plan.topology() + "-" + plan.seed() + ".md");
        Files.writeString(file, out);
        System.out.println("SOAK " + summary());
        System.out.println("SOAK report: " + file.toAbsolutePath());
    }

    private static String gatewayKind() {
        return Files.isExecutable(Path.of(System.getProperty("native.image.path", "target/none"))) ? "native" : "JVM";
    }

    private static long percentile(List<Long> sorted, int percent) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int index = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
