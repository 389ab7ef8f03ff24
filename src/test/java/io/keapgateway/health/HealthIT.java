package io.keapgateway.health;

import io.keapgateway.testsupport.Management;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link HealthTest} against the packaged application (JVM or native). */
@QuarkusIntegrationTest
class HealthIT extends HealthTest {

    @Override
    String managementRoot() {
        return Management.ofPackagedApp();
    }
}
