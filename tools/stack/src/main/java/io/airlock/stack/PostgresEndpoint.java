package io.airlock.stack;

/** Where a PostgreSQL server listens, the database Airlock uses there, and whether this process started it. */
public record PostgresEndpoint(String host, int port, String user, String password, String database, boolean embedded) {
    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    /** URL for the Vert.x reactive client (no credentials in it: they travel as separate settings). */
    public String reactiveUrl() {
        return "postgresql://" + host + ":" + port + "/" + database;
    }

    public PostgresEndpoint withDatabase(String db) {
        return new PostgresEndpoint(host, port, user, password, db, embedded);
    }
}
