package io.keapgateway.telemetry;

import io.keapgateway.testsupport.Management;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link MetricsTest} against the packaged application (JVM or native). */
@QuarkusIntegrationTest
class MetricsIT extends MetricsTest {

    @Override
    String managementRoot() {
        return Management.ofPackagedApp();
    }
}
