package io.keapgateway.store;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same behaviour, from the packaged application. */
@QuarkusIntegrationTest
class StoreLossIT extends StoreLossTest {
}
