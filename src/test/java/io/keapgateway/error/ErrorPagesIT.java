package io.keapgateway.error;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link ErrorPagesTest} against the packaged application (JVM or native). */
@QuarkusIntegrationTest
class ErrorPagesIT extends ErrorPagesTest {
}
