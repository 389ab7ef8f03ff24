package io.keapgateway.connection;

/** How the gateway authenticates a connection to Keap. */
public enum Mode {
    /** OAuth tokens held and refreshed by the gateway, sent as {@code Authorization: Bearer}. */
    oauth,
    /** A Service Account Key or PAT, sent as {@code X-Keap-API-Key}. */
    api_key
}
