package dev.healthscore.jobs;

import java.sql.SQLException;

import javax.net.ssl.SSLException;

import dev.healthscore.io.Causes;
import dev.healthscore.io.jdbc.ConnectionRefusal;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;

/**
 * Reports a start that failed because the primary database took no connection (down,
 * unreachable, wrong password, no such database, full): which database, what the server
 * or the network said and what to check, instead of about 160 lines of nested bean
 * creation exceptions. Only the primary is connected to at start: the replica pool
 * connects on first use, where the lag policy handles it.
 */
class DatabaseConnectionFailureAnalyzer implements FailureAnalyzer {

	/** Where the URL may come from, when the environment does not tell where it did. */
	private static final String URL_SETTINGS = "HEALTHSCORE_DATASOURCE_PRIMARY_URL or SPRING_DATASOURCE_URL";

	private final Environment environment;

	DatabaseConnectionFailureAnalyzer(Environment environment) {
		this.environment = environment;
	}

	@Override
	public FailureAnalysis analyze(Throwable failure) {
		Throwable found = Causes.last(failure, ConnectionRefusal::isRefusal);
		if (found == null) {
			return null;
		}
		SQLException cause = (SQLException) found;
		String state = cause.getSQLState();
		String description = "Could not connect to the primary database " + url() + " (SQL state " + state + "): "
				+ cause.getMessage();
		String given = DatabaseUrlOrigin.describe(this.environment);
		String settings = (given != null) ? "given by " + given : URL_SETTINGS;
		return new FailureAnalysis(description,
				tls(failure, cause) ? tlsAction(settings) : action(state, settings, credentials()), failure);
	}

	/**
	 * Where the user name and password were given, as {@link #action} names them: the
	 * settings that gave them, not their values (nor whether the password is right).
	 */
	private String credentials() {
		if (!(this.environment instanceof ConfigurableEnvironment)) {
			return "user name and password (HEALTHSCORE_DATASOURCE_USERNAME and _PASSWORD, or SPRING_DATASOURCE_*)";
		}
		String username = DatabaseUrlOrigin.describe(this.environment, DatabaseUrlOrigin.USERNAME);
		String password = DatabaseUrlOrigin.describe(this.environment, DatabaseUrlOrigin.PASSWORD);
		return "user name (" + ((username != null) ? "given by " + username
				: "none is set: HEALTHSCORE_DATASOURCE_USERNAME or SPRING_DATASOURCE_USERNAME, unless the URL gives"
						+ " user=")
				+ ") and password ("
				+ ((password != null) ? "given by " + password
						: "none is set: HEALTHSCORE_DATASOURCE_PASSWORD or SPRING_DATASOURCE_PASSWORD, unless the URL"
								+ " gives password=")
				+ ")";
	}

	private String url() {
		String url = this.environment.getProperty("spring.datasource.url", "");
		// a JDBC URL may carry the password as a parameter
		return url.isEmpty() ? "(no URL)" : url.replaceAll("(?i)(password=)[^&]*", "$1***");
	}

	/**
	 * Whether the connection failed on TLS: a server without it, a certificate that does
	 * not verify against {@code sslrootcert} or whose name is not the URL's host, a root
	 * certificate file that cannot be read. The driver says "SSL" (or names its host name
	 * verifier) in each message, with SQL states of class 08 it also gives other
	 * failures.
	 */
	private static boolean tls(Throwable failure, SQLException cause) {
		String message = String.valueOf(cause.getMessage());
		return message.contains("SSL") || message.contains("hostnameverifier")
				|| Causes.last(failure, (t) -> t instanceof SSLException) != null;
	}

	/**
	 * What to check for a TLS failure.
	 * @param settings the setting that gave the URL, or those that may have
	 */
	private static String tlsAction(String settings) {
		return "Check the TLS settings of the URL (sslmode, sslrootcert; " + settings + ") against the server's:"
				+ " a server without TLS takes no sslmode above prefer; with verify-full (as infra/ deploys the"
				+ " tasks) the URL's host must be the name in the server's certificate (the instance's or cluster's"
				+ " own RDS endpoint, not an alias) and sslrootcert the CA bundle that signed it (in the image:"
				+ " /app/rds-ca-bundle.pem). Then run the same command again: nothing has started.";
	}

	/**
	 * What to check for a refusal: 3D000 before the other configuration refusals.
	 * @param state the SQL state of the refusal
	 * @param settings the setting that gave the URL, or those that may have
	 * @param credentials the user name and password, and where each was given
	 */
	private static String action(String state, String settings, String credentials) {
		String then = " Then run the same command again: nothing has started.";
		if (state.equals("3D000")) {
			return "Correct the database name in the URL (its path, before any ?parameters; " + settings
					+ "), or create the database: Flyway creates the tables on start, not the database." + then;
		}
		if (ConnectionRefusal.needsConfiguration(state)) {
			return "Check the " + credentials + ", in ECS the database secret in Secrets Manager that gives"
					+ " them, and that the server's pg_hba.conf lets that user connect from this host." + then;
		}
		if (state.equals("53300") || state.equals("57P03")) {
			return "The server refuses new connections for now (all connection slots taken, or it is starting"
					+ " up or recovering): wait for it, or free connections (spring.datasource.hikari.maximum-pool-size"
					+ " sizes this process's pool)." + then;
		}
		return "Check the host and port in the URL (" + settings
				+ "), that the server is running, and that this host may reach it (security group, network ACL,"
				+ " pg_hba.conf)." + then;
	}

}
