package io.keapgateway.limits;

import io.keapgateway.testsupport.RedisTopology;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The shared limits on a real three-master Redis Cluster: each limiter script runs on its connection's node. */
class SharedLimitsOnClusterIT extends SharedLimitsIT {

    private static RedisTopology cluster;

    /** The replicas run on the cluster instead of the local Redis. */
    @Override
    @BeforeAll
    void startReplicas() throws Exception {
        cluster = RedisTopology.cluster();
        redisPort = cluster.dataPorts().get(0); // RedisPeek follows MOVED to the other nodes
        Map<String, String> env = environment();
        env.putAll(cluster.environment());
        replicas = ReplicaPair.start(env);
    }

    @Override
    @AfterAll
    void stopReplicas() throws Exception {
        try {
            if (replicas != null) {
                replicas.close();
            }
        } finally {
            keap.close();
            cluster.close();
        }
    }
}
