package io.keapgateway.admin;

import io.keapgateway.auth.ScopePresets;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /admin/scope-presets}: every preset name and the scopes it stands for (the console's choices). */
@Path("/admin/scope-presets")
@Produces(MediaType.APPLICATION_JSON)
public class ScopePresetsResource {

    @GET
    public Map<String, List<String>> presets() {
        Map<String, List<String>> presets = new LinkedHashMap<>();
        ScopePresets.names().forEach(name -> presets.put(name, ScopePresets.expansion(name).orElseThrow()));
        return presets;
    }
}
