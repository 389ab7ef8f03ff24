package io.keapgateway.proxy;

import io.keapgateway.testsupport.Management;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same behaviour, from the packaged application. */
@QuarkusIntegrationTest
class XmlRpcFloodIT extends XmlRpcFloodTest {

    @Override
    String managementRoot() {
        return Management.ofPackagedApp();
    }
}
