package io.keapgateway.token;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link BrowserFlowTest} against the packaged application. */
@QuarkusIntegrationTest
class BrowserFlowIT extends BrowserFlowTest {
}
