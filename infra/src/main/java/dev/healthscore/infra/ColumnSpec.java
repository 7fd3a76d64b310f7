package dev.healthscore.infra;

import java.util.Objects;

/**
 * One column of an Athena table, with its Hive/Athena type name.
 *
 * @param name the column name
 * @param type the Athena type, for example {@code bigint} or {@code timestamp}
 */
public record ColumnSpec(String name, String type) {

	public ColumnSpec {
		Objects.requireNonNull(name, "A column name is required");
		Objects.requireNonNull(type, () -> "A type is required for column '%s'".formatted(name));
	}

}
