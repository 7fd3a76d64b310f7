package dev.healthscore.infra;

import java.util.List;
import java.util.Objects;

/**
 * One archived table as Athena sees it: its columns and, for a partitioned table, the
 * monthly partition key that partition projection fills in.
 *
 * @param name the table name, also the folder under the archive prefix
 * @param description what the table holds
 * @param columns the data columns, in file order
 * @param partitioned whether the table has {@link #MONTH} folders (the {@code app_user}
 * snapshot has none)
 */
public record TableSpec(String name, String description, List<ColumnSpec> columns, boolean partitioned) {

	/** The partition key of every archived table: the UTC month, {@code yyyy-MM}. */
	public static final ColumnSpec MONTH = new ColumnSpec("month", "string");

	public TableSpec {
		Objects.requireNonNull(name, "A table name is required");
		Objects.requireNonNull(description, () -> "A description is required for table '%s'".formatted(name));
		columns = List.copyOf(columns);
		if (columns.stream().map(ColumnSpec::name).anyMatch(MONTH.name()::equals)) {
			throw new IllegalArgumentException(
					"Table '%s' has a column named like its partition key '%s'".formatted(name, MONTH.name()));
		}
	}

	/**
	 * A table partitioned by {@link #MONTH}.
	 * @param name the table name
	 * @param description what the table holds
	 * @param columns the data columns, in file order
	 */
	public TableSpec(String name, String description, List<ColumnSpec> columns) {
		this(name, description, columns, true);
	}

}
