package io.keapgateway.admin;

import io.keapgateway.connection.Connection;
import io.keapgateway.connection.ConnectionRegistry;
import io.keapgateway.connection.ConnectionReseal;
import io.keapgateway.secret.SecretBox;
import io.keapgateway.token.GrantSeals;
import io.keapgateway.notify.Channels;
import io.keapgateway.token.OAuthStates;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Comparator;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * {@code GET /admin/info}: what the console needs to show addresses that work for the people it hands them
 * to. The console is often opened at another address than the gateway's public one (an admin host, a
 * port-forward, localhost), so every address it shows (the contractor's base URL, the redirect URI, the curl
 * line) is built from {@code public_url}, never from the page's own origin.
 */
@Path("/admin/info")
@Produces(MediaType.APPLICATION_JSON)
public class InfoResource {

    private final ConnectionRegistry registry;
    private final ConnectionStatuses statuses;
    private final OAuthStates states;
    private final SecretBox box;
    private final ConnectionReseal reseal;
    private final GrantSeals grantSeals;
    private final Channels channels;
    private final String version;

    InfoResource(ConnectionRegistry registry, ConnectionStatuses statuses, OAuthStates states, SecretBox box,
            ConnectionReseal reseal, GrantSeals grantSeals, Channels channels,
            @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown") String version) {
        this.registry = registry;
        this.statuses = statuses;
        this.states = states;
        this.box = box;
        this.reseal = reseal;
        this.grantSeals = grantSeals;
        this.channels = channels;
        this.version = version;
    }

    @GET
    public GatewayInfo info() {
        List<ConnectionView> connections = registry.all().stream().sorted(Comparator.comparing(Connection::name))
                .map(statuses::of).toList();
        return new GatewayInfo(states.publicBase(), version, states.redirectUri(), connections,
                channels.describe(), encryption());
    }

    /** Blocking: two store reads. */
    private Encryption encryption() {
        List<String> names = registry.all().stream().map(Connection::name).toList();
        return new Encryption(box.keyId(), box.previousKeyId().orElse(null), reseal.pending(),
                grantSeals.pending(names));
    }

    /**
     * The gateway as the admin API describes it. {@code notificationChannels} lists every channel that can tell
     * the owner when something breaks ({@code webhook}, {@code email}), set or not, never with a secret.
     */
    @RegisterForReflection
    record GatewayInfo(String publicUrl, String version, String redirectUri, List<ConnectionView> connections,
            List<Channels.ChannelInfo> notificationChannels, Encryption encryption) {
    }

    /**
     * Which encryption key seals new values, which one is being rotated away from, and how many connections and
     * grants are still sealed with another key than the current one: the previous key may be removed once both
     * counts are 0 (docs/secrets.md, "Rotating the encryption key").
     */
    @RegisterForReflection
    record Encryption(String keyId, String previousKeyId, long connectionsToReseal, long grantsToReseal) {
    }
}
