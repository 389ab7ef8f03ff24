package io.keapgateway.proxy;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same behaviour, from the packaged application. */
@QuarkusIntegrationTest
class KeapAnswersAreDataIT extends KeapAnswersAreDataTest {
}
