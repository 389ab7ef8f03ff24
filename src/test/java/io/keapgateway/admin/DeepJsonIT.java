package io.keapgateway.admin;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same behaviour, from the packaged application. */
@QuarkusIntegrationTest
class DeepJsonIT extends DeepJsonTest {
}
