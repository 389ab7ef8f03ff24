package io.keapgateway.config;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Caps on every JSON document the gateway reads (admin bodies, stored documents, Keap's token answers), so
 * that a hostile body costs little to refuse: admin bodies are at most 1 MiB (proxy/RequestGuard) and a few
 * levels deep. Jackson's defaults (1000 levels, 20 M characters per string, 1000 digits per number) are far
 * above anything the gateway reads; a document past these is unreadable JSON (admin API: 400 bad_request).
 */
@Singleton
public class JsonLimits implements ObjectMapperCustomizer {

    /** Deepest nesting of objects and arrays; the gateway's own documents are under 6 levels deep. */
    static final int MAX_DEPTH = 32;
    /** Longest string value (characters): no admin body exceeds 1 MiB. */
    static final int MAX_STRING = 1024 * 1024;
    /** Longest number (characters): parsing long decimals costs more than linear time. */
    static final int MAX_NUMBER = 100;
    /** Longest property name (characters). */
    static final int MAX_NAME = 1024;

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_DEPTH)
                .maxStringLength(MAX_STRING)
                .maxNumberLength(MAX_NUMBER)
                .maxNameLength(MAX_NAME)
                .build());
    }
}
