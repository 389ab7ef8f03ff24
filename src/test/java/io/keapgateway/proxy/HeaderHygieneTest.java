package io.keapgateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

/** Which headers cross the gateway, in both directions (plain JUnit: no application needed). */
class HeaderHygieneTest {

    @Test
    void keapsOwnSandboxHeadersNeverReachTheClientTheGatewaySetsItsOwn() {
        MultiMap keap = MultiMap.caseInsensitiveMultiMap()
                .add("Content-Type", "text/html")
                .add("Content-Security-Policy", "script-src 'unsafe-inline'")
                .add("x-content-type-options", "sniff")
                .add("x-keap-product-quota-available", "99");
        MultiMap toClient = HeaderHygiene.towardsClient(keap);
        assertThat(toClient.names()).containsExactlyInAnyOrder("Content-Type", "x-keap-product-quota-available");
    }

    @Test
    void hopByHopAndConnectionNamedHeadersStopAtTheGatewayBothWays() {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap()
                .add("Connection", "close, X-Secret-Hop")
                .add("X-Secret-Hop", "1")
                .add("Keep-Alive", "timeout=5")
                .add("Transfer-Encoding", "chunked")
                .add("Accept", "application/json");
        assertThat(HeaderHygiene.towardsClient(headers).names()).containsExactly("Accept");
        assertThat(HeaderHygiene.towardsKeap(headers).names()).containsExactly("Accept");
    }

    @Test
    void theClientsKeyCookiesAndClaimsNeverReachKeap() {
        MultiMap client = MultiMap.caseInsensitiveMultiMap()
                .add("Authorization", "Bearer kgw_x")
                .add("X-Api-Key", "kgw_x")
                .add("X-Keap-API-Key", "kgw_x")
                .add("Cookie", "a=b")
                .add("X-Forwarded-For", "203.0.113.9")
                .add("X-HTTP-Method-Override", "DELETE")
                .add("Host", "gateway.example")
                .add("Content-Type", "application/json");
        assertThat(HeaderHygiene.towardsKeap(client).names()).containsExactly("Content-Type");
        assertThat(HeaderHygiene.towardsClient(client).names()).contains("Authorization", "Host");
    }
}
