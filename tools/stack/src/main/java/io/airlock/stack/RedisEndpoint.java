package io.airlock.stack;

/** Where a Redis server listens, and whether this process started it. */
public record RedisEndpoint(String host, int port, boolean embedded) {
    /** Quarkus/Vert.x connection string for logical database {@code db}. */
    public String url(int db) {
        return "redis://" + host + ":" + port + "/" + db;
    }
}
