package io.keapgateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The Keap-aware presets: what each stands for, enforced through the compiled scopes. */
class ScopePresetsTest {

    private static final List<String> FAMILIES = List.of("contacts", "companies", "opportunities", "orders", "products",
            "tags", "tasks", "notes", "emails", "files", "hooks", "users");

    @Test
    void offersReadAndWriteForEveryKeapFamilyAndXmlRpcPlusReadOnlyAndFull() {
        assertThat(ScopePresets.names()).contains("full", "read-only", "xmlrpc:read", "xmlrpc:write");
        for (String family : FAMILIES) {
            assertThat(ScopePresets.names()).contains(family + ":read", family + ":write");
        }
        assertThat(ScopePresets.names()).hasSize(2 + 2 * FAMILIES.size() + 2);
    }

    @Test
    void xmlRpcPresetsNameMethodsNotPaths() {
        Scopes read = Scopes.compile(List.of("xmlrpc:read"));
        assertThat(read.allows("POST", "/crm/xmlrpc/v1", "ContactService.load")).isTrue();
        assertThat(read.allows("POST", "/crm/xmlrpc/v1", "ContactService.add")).isFalse();
        assertThat(read.allows("GET", "/crm/rest/v2/contacts")).isFalse();
        assertThat(Scopes.compile(List.of("xmlrpc:write")).allows("POST", "/crm/xmlrpc/v1", "ContactService.add"))
                .isTrue();
    }

    @Test
    void readAllowsGetAndHeadOnTheFamilysV1AndV2PathsOnly() {
        Scopes contacts = Scopes.compile(List.of("contacts:read"));
        assertThat(contacts.allows("GET", "/crm/rest/v1/contacts")).isTrue();
        assertThat(contacts.allows("GET", "/crm/rest/v1/contacts/42/tags")).isTrue();
        assertThat(contacts.allows("HEAD", "/crm/rest/v2/contacts/42")).isTrue();
        assertThat(contacts.allows("GET", "/crm/rest/v2/contacts")).isTrue();
        assertThat(contacts.allows("POST", "/crm/rest/v2/contacts")).isFalse();
        assertThat(contacts.allows("DELETE", "/crm/rest/v1/contacts/42")).isFalse();
        assertThat(contacts.allows("GET", "/crm/rest/v2/companies")).isFalse();
        assertThat(contacts.allows("GET", "/crm/rest/v2/contactsX")).isFalse();
        assertThat(contacts.allows("GET", "/crm/xmlrpc/v1")).isFalse();
    }

    @Test
    void writeAllowsEveryMethodIncludingV2CustomMethods() {
        Scopes scopes = Scopes.compile(List.of("contacts:write", "emails:write"));
        assertThat(scopes.allows("POST", "/crm/rest/v2/contacts:merge")).isTrue();
        assertThat(scopes.allows("POST", "/crm/rest/v2/contacts:link")).isTrue();
        assertThat(scopes.allows("PATCH", "/crm/rest/v2/contacts/7")).isTrue();
        assertThat(scopes.allows("DELETE", "/crm/rest/v1/contacts/7")).isTrue();
        assertThat(scopes.allows("POST", "/crm/rest/v2/contacts/7/paymentMethods/3:deactivate")).isTrue();
        assertThat(scopes.allows("POST", "/crm/rest/v2/emails:send")).isTrue();
        assertThat(scopes.allows("POST", "/crm/rest/v2/tags")).isFalse();
    }

    @Test
    void hooksExistOnlyInV1AndOpportunitiesIncludeV1PipelineStages() {
        Scopes hooks = Scopes.compile(List.of("hooks:write"));
        assertThat(hooks.allows("POST", "/crm/rest/v1/hooks")).isTrue();
        assertThat(hooks.allows("POST", "/crm/rest/v2/hooks")).isFalse();
        assertThat(Scopes.compile(List.of("opportunities:read")).allows("GET", "/crm/rest/v1/opportunity/stage_pipeline"))
                .isTrue();
    }

    @Test
    void presetsMixWithRulesAndGeneralPresetsKeepTheirMeaning() {
        Scopes mixed = Scopes.compile(List.of("tags:read", "POST /crm/rest/v2/tags/*/contacts:applyTags"));
        assertThat(mixed.allows("GET", "/crm/rest/v2/tags")).isTrue();
        assertThat(mixed.allows("POST", "/crm/rest/v2/tags/5/contacts:applyTags")).isTrue();
        assertThat(mixed.allows("POST", "/crm/rest/v2/tags")).isFalse();
        assertThat(Scopes.compile(List.of("read-only")).allows("GET", "/crm/rest/v2/anything/at/all")).isTrue();
        assertThat(Scopes.compile(List.of("read-only")).allows("POST", "/crm/rest/v2/contacts")).isFalse();
        assertThat(Scopes.compile(List.of("full")).allows("DELETE", "/crm/xmlrpc/v1")).isTrue();
    }

    @Test
    void anUnknownPresetIsRefusedByName() {
        assertThatThrownBy(() -> Scopes.compile(List.of("contacts:reed")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown scope preset 'contacts:reed'")
                .hasMessageContaining("contacts:read");
    }
}
