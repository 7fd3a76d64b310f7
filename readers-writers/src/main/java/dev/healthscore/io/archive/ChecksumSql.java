package dev.healthscore.io.archive;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Computes a {@link ContentChecksum} of a table or partition in PostgreSQL, by SQL only,
 * so that verifying an archive does not trust the code path that wrote it. The definition
 * is {@link RowChecksum}'s; PostgreSQL's server encoding must be UTF8.
 */
public final class ChecksumSql {

	private static final Pattern RELATION = Pattern.compile("[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)?");

	private ChecksumSql() {
	}

	/**
	 * Returns the query: one row with the row count and the checksum as a numeric in
	 * (-2<sup>64</sup>, 2<sup>64</sup>) whose low 64 bits are the sum.
	 * @param table the table whose columns are read
	 * @param relation the table or partition to read, for example
	 * {@code health_reading_2025_01}
	 * @return the SQL
	 */
	public static String query(ArchiveTable table, String relation) {
		if (relation == null || !RELATION.matcher(relation).matches()) {
			throw new IllegalArgumentException("Invalid table name for a checksum: " + relation);
		}
		// sum(bigint) is a numeric: no overflow
		return "SELECT count(*), mod(coalesce(sum(hashtextextended(" + rowText(table)
				+ ", 0)), 0), 18446744073709551616)::text FROM " + relation;
	}

	/**
	 * Returns the SQL expression of a row's canonical text.
	 * @param table the table
	 * @return the expression
	 */
	public static String rowText(ArchiveTable table) {
		return table.columns().stream().map(ChecksumSql::fieldText).collect(Collectors.joining(" || '|' || "));
	}

	/**
	 * Runs the checksum query.
	 * @param connection the connection
	 * @param table the table whose columns are read
	 * @param relation the table or partition to read
	 * @return the checksum
	 * @throws SQLException when the query fails
	 */
	public static ContentChecksum compute(Connection connection, ArchiveTable table, String relation)
			throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery(query(table, relation))) {
			result.next();
			return new ContentChecksum(result.getLong(1),
					new BigDecimal(result.getString(2)).toBigInteger().longValue());
		}
	}

	private static String fieldText(ArchiveColumn column) {
		String c = column.name();
		String text = switch (column.type()) {
			case BIGINT, SMALLINT, INTEGER -> c + "::text";
			case TEXT -> "octet_length(" + c + ") || ':' || " + c;
			case FLOAT8 -> "encode(float8send(" + c + "), 'hex')";
			case FLOAT4 -> "encode(float4send(" + c + "), 'hex')";
			case TIMESTAMPTZ -> "encode(timestamptz_send(" + c + "), 'hex')";
			case DATE -> "(" + c + " - DATE '1970-01-01')::text";
		};
		return "coalesce(" + text + ", 'N')";
	}

}
