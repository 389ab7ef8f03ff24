package io.keapgateway.replicas;

import io.keapgateway.testsupport.RedisTopology;
import org.junit.jupiter.api.BeforeAll;

/**
 * The replica suite on a real three-master Redis Cluster ({@code quarkus.redis.client-type=cluster}): every
 * script runs on the node that owns its keys, and every multi-key step keeps its keys in one slot.
 */
class ClusterReplicasIT extends TopologySuite {

    @BeforeAll
    static void startOnACluster() throws Exception {
        startReplicas(RedisTopology.cluster());
    }
}
