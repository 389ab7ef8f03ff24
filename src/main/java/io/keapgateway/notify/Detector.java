package io.keapgateway.notify;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/** Reads one part of the gateway's existing state and says which notified conditions hold now. */
interface Detector {

    /** The events this detector decides: when it fails, none of them is opened or cleared. */
    Set<NotifyEvent> events();

    /** The conditions that hold now. Blocking (may read the store): called on the watch's worker thread. */
    List<Finding> findings(Instant now);
}
