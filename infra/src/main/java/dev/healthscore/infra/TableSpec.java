package dev.healthscore.infra;

import java.util.List;
import java.util.Objects;

/**
 * One archived table as Athena sees it: its columns and, for a partitioned table, the
 * monthly partition key that partition projection fills in.
 *
 * @param name the table name, also the folder under the archive prefix
 * @param description what the table holds, the same words as the table's {@code COMMENT}
 * in {@code sql/athena/}
 * @param columns the data columns, in file order
 * @param partitionKey the {@link #MONTH} partition key with its comment, or null for a
 * table without {@code month=} folders (the {@code app_user} snapshot)
 */
public record TableSpec(String name, String description, List<ColumnSpec> columns, ColumnSpec partitionKey) {

	/** Name of the partition key of every partitioned archived table. */
	public static final String MONTH = "month";

	/** Athena type of the {@link #MONTH} key: {@code yyyy-MM} strings. */
	public static final String MONTH_TYPE = "string";

	public TableSpec {
		Objects.requireNonNull(name, "A table name is required");
		Objects.requireNonNull(description, () -> "A description is required for table '%s'".formatted(name));
		columns = List.copyOf(columns);
		if (columns.stream().map(ColumnSpec::name).anyMatch(MONTH::equals)) {
			throw new IllegalArgumentException(
					"Table '%s' has a column named like its partition key '%s'".formatted(name, MONTH));
		}
		if (partitionKey != null && !(MONTH.equals(partitionKey.name()) && MONTH_TYPE.equals(partitionKey.type()))) {
			throw new IllegalArgumentException("Table '%s' has partition key %s %s, expected %s %s".formatted(name,
					partitionKey.name(), partitionKey.type(), MONTH, MONTH_TYPE));
		}
	}

	/**
	 * Returns the {@link #MONTH} partition key.
	 * @param comment what month of the rows it is
	 * @return the partition key
	 */
	public static ColumnSpec month(String comment) {
		return new ColumnSpec(MONTH, MONTH_TYPE, comment);
	}

	/**
	 * Returns whether the table has {@link #MONTH} folders that partition projection
	 * finds.
	 * @return true for a partitioned table
	 */
	public boolean partitioned() {
		return this.partitionKey != null;
	}

}
