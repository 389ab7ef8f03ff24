package io.keapgateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Scopes by XML-RPC method, and the {@code xmlrpc:*} presets. */
class XmlRpcScopesTest {

    private static boolean calls(List<String> scopes, String xmlRpcMethod) {
        return Scopes.compile(scopes).allows("POST", "/crm/xmlrpc/v1", xmlRpcMethod);
    }

    @Test
    void aMethodScopeAllowsThatMethodOnly() {
        List<String> scopes = List.of("XMLRPC ContactService.load");
        assertThat(calls(scopes, "ContactService.load")).isTrue();
        assertThat(Scopes.compile(scopes).allows("POST", "/crm/xmlrpc", "ContactService.load")).isTrue();
        assertThat(calls(scopes, "ContactService.loadX")).isFalse();
        assertThat(calls(scopes, "ContactService.delete")).isFalse();
        assertThat(calls(scopes, null)).isFalse();
        assertThat(Scopes.compile(scopes).allows("GET", "/crm/xmlrpc/v1", "ContactService.load")).isFalse();
        assertThat(Scopes.compile(scopes).allows("POST", "/crm/rest/v1/contacts", "ContactService.load")).isFalse();
    }

    @Test
    void aStarMatchesWithinOneName() {
        List<String> scopes = List.of("XMLRPC ContactService.*");
        assertThat(calls(scopes, "ContactService.load")).isTrue();
        assertThat(calls(scopes, "ContactService.addToGroup")).isTrue();
        assertThat(calls(scopes, "DataService.load")).isFalse();
        assertThat(calls(List.of("XMLRPC *.load"), "ContactService.x.load")).isFalse();
    }

    @Test
    void thePostScopeOfTheEndpointStillMeansEveryMethod() {
        assertThat(calls(List.of("POST /crm/xmlrpc/**"), "DataService.delete")).isTrue();
        assertThat(calls(List.of("full"), "DataService.delete")).isTrue();
        assertThat(calls(List.of("xmlrpc:write"), "DataService.delete")).isTrue();
        assertThat(calls(List.of("read-only"), "ContactService.load")).isFalse();
    }

    @Test
    void readPresetAllowsKeapsReadingMethodsOnly() {
        List<String> read = List.of("xmlrpc:read");
        for (String method : List.of("ContactService.load", "DataService.query", "DataService.queryWithOrderBy",
                "DataService.count", "DataService.findByField", "ContactService.findByEmail", "InvoiceService.getPayments",
                "APIAffiliateService.affSummary", "SearchService.quickSearch", "FileService.getFile")) {
            assertThat(calls(read, method)).as(method).isTrue();
        }
        for (String method : List.of("ContactService.add", "ContactService.update", "DataService.delete",
                "ContactService.merge", "InvoiceService.chargeInvoice", "APIEmailService.sendEmail",
                "ContactService.addToGroup", "FunnelService.achieveGoal", "OrderService.placeOrder")) {
            assertThat(calls(read, method)).as(method).isFalse();
        }
        assertThat(Scopes.expand(read)).contains("XMLRPC *.load").doesNotContain("xmlrpc:read");
    }

    @Test
    void refusesMalformedMethodScopes() {
        for (String scope : List.of("XMLRPC", "XMLRPC ContactService", "XMLRPC a.b c", "XMLRPC a/b.c", "XMLRPC .load")) {
            assertThatThrownBy(() -> Scopes.compile(List.of(scope))).as(scope).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
