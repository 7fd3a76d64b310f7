package dev.healthscore.infra;

import java.util.Objects;

/**
 * One column of an Athena table, with its Hive/Athena type name and the comment analysts
 * read in the catalogue ({@code DESCRIBE}, the console's table view).
 *
 * @param name the column name
 * @param type the Athena type, for example {@code bigint} or {@code timestamp}
 * @param comment what the column holds, the same words as the column's {@code COMMENT} in
 * {@code sql/athena/}
 */
public record ColumnSpec(String name, String type, String comment) {

	public ColumnSpec {
		Objects.requireNonNull(name, "A column name is required");
		Objects.requireNonNull(type, () -> "A type is required for column '%s'".formatted(name));
		if (comment == null || comment.isBlank()) {
			throw new IllegalArgumentException("A comment is required for column '%s'".formatted(name));
		}
	}

}
