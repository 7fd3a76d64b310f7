package dev.healthscore.io.archive;

/**
 * One column of an archived table: its PostgreSQL name and type, and whether it may be
 * NULL.
 *
 * <p>
 * In Java, rows are {@code Object[]} in column order, with values of these classes:
 * BIGINT {@link Long}; SMALLINT and INTEGER {@link Integer}; TEXT {@link String}; FLOAT8
 * {@link Double}; FLOAT4 {@link Float}; TIMESTAMPTZ {@link Long} microseconds since
 * 1970-01-01T00:00Z; DATE {@link Integer} days since 1970-01-01.
 *
 * @param name the column name, the same in PostgreSQL and Parquet
 * @param type the PostgreSQL type
 * @param nullable whether the column may hold NULL
 */
public record ArchiveColumn(String name, Type type, boolean nullable) {

	/** Suffix of the exact microsecond column that goes with each TIMESTAMPTZ column. */
	public static final String MICROS_SUFFIX = "_micros";

	/**
	 * A column that never holds NULL.
	 * @param name the name
	 * @param type the type
	 * @return the column
	 */
	public static ArchiveColumn required(String name, Type type) {
		return new ArchiveColumn(name, type, false);
	}

	/**
	 * A column that may hold NULL.
	 * @param name the name
	 * @param type the type
	 * @return the column
	 */
	public static ArchiveColumn optional(String name, Type type) {
		return new ArchiveColumn(name, type, true);
	}

	/** PostgreSQL column types that can be archived. */
	public enum Type {

		/** {@code bigint}. */
		BIGINT("bigint"),

		/** {@code smallint}. */
		SMALLINT("smallint"),

		/** {@code integer}. */
		INTEGER("integer"),

		/** {@code text}. */
		TEXT("text"),

		/** {@code double precision}. */
		FLOAT8("double precision"),

		/** {@code real}. */
		FLOAT4("real"),

		/**
		 * {@code timestamptz}: two Parquet columns, milliseconds for Athena and exact
		 * micros.
		 */
		TIMESTAMPTZ("timestamp with time zone"),

		/** {@code date}. */
		DATE("date");

		private final String sqlName;

		Type(String sqlName) {
			this.sqlName = sqlName;
		}

		/**
		 * The type as PostgreSQL's {@code format_type} names it.
		 * @return the name
		 */
		public String sqlName() {
			return this.sqlName;
		}

	}

}
