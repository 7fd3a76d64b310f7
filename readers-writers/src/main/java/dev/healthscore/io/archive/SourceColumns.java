package dev.healthscore.io.archive;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks that a month's partition has exactly the columns the archive writes, of the
 * types it reads them as. The export copies and the checksums compare only the columns
 * {@link ArchiveTable} lists: a column the app added to {@code health_reading} would
 * match by checksum and be dropped with the partition, its values in no archive; a column
 * of another type would be decoded as the wrong one. Such a month is refused before it is
 * exported, and does not match in each comparison that lets it leave PostgreSQL.
 */
final class SourceColumns {

	private SourceColumns() {
	}

	/**
	 * Checks a month partition's columns against its table's before it is exported.
	 * @param connection the connection
	 * @param table the table
	 * @param relation the partition, attached or not
	 * @throws IllegalStateException when a column is missing, of another type, or not one
	 * the archive writes
	 */
	static void check(Connection connection, ArchiveTable table, String relation) throws SQLException {
		List<String> differences = differences(connection, table, relation);
		if (!differences.isEmpty()) {
			throw new IllegalStateException("Cannot archive " + relation
					+ ": its columns are not the ones the archive writes (" + String.join("; ", differences)
					+ "); its values would not all reach S3, so it stays in PostgreSQL until the archive"
					+ " (ArchiveTable and sql/athena) has the same columns");
		}
	}

	/**
	 * Returns how a partition's columns differ from its table's.
	 * @param connection the connection
	 * @param table the table, with the columns an archive holds
	 * @param relation the partition, attached or not
	 * @return each difference, empty when there is none or the partition does not exist
	 */
	static List<String> differences(Connection connection, ArchiveTable table, String relation) throws SQLException {
		Map<String, String> actual = columns(connection, relation);
		List<String> differences = new ArrayList<>();
		if (actual.isEmpty()) {
			return differences; // no such table: the statement that reads it says so
		}
		for (ArchiveColumn column : table.columns()) {
			String expected = column.type().sqlName();
			String type = actual.remove(column.name());
			if (type == null) {
				differences.add("no column " + column.name());
			}
			else if (!type.equals(expected)) {
				differences.add(column.name() + " is " + type + ", not " + expected);
			}
		}
		actual.forEach((name, type) -> differences.add(name + " " + type + " is not archived"));
		return differences;
	}

	private static Map<String, String> columns(Connection connection, String relation) throws SQLException {
		Map<String, String> columns = new LinkedHashMap<>();
		try (PreparedStatement statement = connection
			.prepareStatement("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
					+ " WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
			statement.setString(1, relation);
			try (ResultSet result = statement.executeQuery()) {
				while (result.next()) {
					columns.put(result.getString(1), result.getString(2));
				}
			}
		}
		return columns;
	}

}
