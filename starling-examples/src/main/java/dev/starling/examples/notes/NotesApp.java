package dev.starling.examples.notes;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.starling.ApiResponse;
import dev.starling.Depends;
import dev.starling.Get;
import dev.starling.HttpException;
import dev.starling.Post;
import dev.starling.Provides;
import dev.starling.Resource;
import dev.starling.Response;
import dev.starling.Starling;
import dev.starling.params.Body;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A notes service on a real database: HikariCP over an in-memory H2, one transaction per request, committed
 * when the handler returns and before the client is answered ({@code Provides.Scope.HANDLER}), rolled back
 * when it fails. Handlers are plain blocking JDBC code, offloaded to the threadpool.
 */
public final class NotesApp {

    /** A note as the client sends it. */
    public record NewNote(String text) {
    }

    /** A stored note. */
    public record Note(long id, String text) {
    }

    /** The routes and the transaction dependency. */
    public static final class Notes {
        private final HikariDataSource pool;

        Notes(HikariDataSource pool) {
            this.pool = pool;
        }

        /** One connection and transaction per request, finished before the response is written. */
        @Provides(scope = Provides.Scope.HANDLER)
        Resource<Connection> transaction() throws SQLException {
            Connection c = pool.getConnection();
            c.setAutoCommit(false);
            return Resource.finishing(c, failure -> {
                try {
                    if (failure.isPresent()) {
                        c.rollback();
                    } else {
                        c.commit();
                    }
                } finally {
                    c.close();
                }
            });
        }

        /** Stores a note and answers 201 with its location; an empty text is refused after the insert, rolled back. */
        @Post("/notes")
        @ApiResponse(status = 201, description = "The note, stored; its address is in the location header.",
                body = Note.class)
        public Response create(@Body NewNote note, @Depends Connection db) throws SQLException {
            long id;
            try (PreparedStatement insert = db.prepareStatement("insert into notes(text) values (?)",
                    Statement.RETURN_GENERATED_KEYS)) {
                insert.setString(1, note.text());
                insert.executeUpdate();
                try (ResultSet keys = insert.getGeneratedKeys()) {
                    keys.next();
                    id = keys.getLong(1);
                }
            }
            if (note.text().isBlank()) {
                // Written already: the failure rolls the insert back.
                throw new HttpException(422, "A note needs some text.");
            }
            return Response.status(201).header("location", "/notes/" + id).body(new Note(id, note.text()));
        }

        /** Reads one note, or 404. */
        @Get("/notes/{id}")
        @ApiResponse(status = 404, description = "No note has that id.")
        public Note read(long id, @Depends Connection db) throws SQLException {
            try (PreparedStatement select = db.prepareStatement("select id, text from notes where id = ?")) {
                select.setLong(1, id);
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next()) {
                        throw new HttpException(404, "There is no note " + id + ".");
                    }
                    return new Note(row.getLong(1), row.getString(2));
                }
            }
        }

        /** Counts the notes. */
        @Get("/notes/count")
        public long count(@Depends Connection db) throws SQLException {
            try (Statement s = db.createStatement(); ResultSet row = s.executeQuery("select count(*) from notes")) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    private NotesApp() {
    }

    /** Returns the app on {@code port} with a fresh in-memory database named {@code database}, not started. */
    public static Starling create(int port, String database) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:mem:" + database + ";DB_CLOSE_DELAY=-1");
        config.setMaximumPoolSize(10);
        config.setPoolName("notes-db");
        HikariDataSource pool = new HikariDataSource(config);
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("create table notes(id bigint auto_increment primary key, text varchar(10000) not null)");
        } catch (SQLException e) {
            pool.close();
            throw new IllegalStateException("The notes database could not be made.", e);
        }
        Starling app = Starling.create(c -> c.port(port));
        app.include(new Notes(pool));
        app.onShutdown(pool::close);
        return app;
    }

    /** Serves the notes on port 8000 until the process is stopped. */
    public static void main(String[] args) {
        create(8000, "notes").run();
    }
}
