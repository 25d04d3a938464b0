package io.airlock.registry;

import io.airlock.stack.PostgresEndpoint;
import io.airlock.testing.TestInfra;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Plain JDBC to the tests' PostgreSQL database: counts rows behind the API's back, and stages test states. */
final class Db {
    private Db() {
    }

    static long count(String sql, Object... params) {
        try (Connection c = connect(); PreparedStatement s = statement(c, sql, params); ResultSet r = s.executeQuery()) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    static String string(String sql, Object... params) {
        try (Connection c = connect(); PreparedStatement s = statement(c, sql, params); ResultSet r = s.executeQuery()) {
            return r.next() ? r.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    static int update(String sql, Object... params) {
        try (Connection c = connect(); PreparedStatement s = statement(c, sql, params)) {
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /**
     * Runs {@code sql} as someone with direct database access would: with triggers off for this
     * session (superuser), so the audit log's append-only trigger does not stop the tampering the
     * chain must detect.
     */
    static int tamper(String sql, Object... params) {
        try (Connection c = connect()) {
            try (var s = c.createStatement()) {
                s.execute("SET session_replication_role = replica");
            }
            try (PreparedStatement s = statement(c, sql, params)) {
                return s.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    private static Connection connect() throws SQLException {
        PostgresEndpoint pg = TestInfra.shared().postgres();
        return DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
    }

    private static PreparedStatement statement(Connection c, String sql, Object... params) throws SQLException {
        PreparedStatement s = c.prepareStatement(sql);
        for (int i = 0; i < params.length; i++) {
            s.setObject(i + 1, params[i]);
        }
        return s;
    }
}
