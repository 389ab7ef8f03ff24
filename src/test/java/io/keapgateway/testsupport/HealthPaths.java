package io.keapgateway.testsupport;

import java.util.Set;

/**
 * The health endpoints Kubernetes probes. {@code HealthTest} asserts that the application answers each of
 * them UP through HTTP; {@code DeployManifestsTest} that the manifests probe nothing else.
 */
public final class HealthPaths {

    /** Started (startup probe), live (liveness), ready (readiness), on the management port. */
    public static final Set<String> PROBES = Set.of("/q/health/started", "/q/health/live", "/q/health/ready");

    private HealthPaths() {
    }
}
