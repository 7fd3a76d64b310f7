package dev.healthscore.io.archive;

import java.util.Arrays;
import java.util.List;

/**
 * Rows of an {@link ArchiveTable} held column by column in primitive arrays: what the
 * export decodes {@code COPY} rows into, sorts and hands to the Parquet writer, without a
 * boxed value or an {@code Object[]} per row. Every type but TEXT is held as a
 * {@code long}: BIGINT and TIMESTAMPTZ (microseconds since 1970) as they are, SMALLINT,
 * INTEGER and DATE (days since 1970) widened, FLOAT8 and FLOAT4 as their raw bits. TEXT
 * values are held as the {@link String}s the {@code COPY} reader made (the same instance
 * for a text that repeats). {@link #row(int)} and {@link #add(Object[])} convert from and
 * to the {@code Object[]} rows of {@link ArchiveColumn}, for the rarer paths that use
 * them. Not thread-safe.
 */
final class RowBlock {

	private final ArchiveTable table;

	private final ArchiveColumn.Type[] types;

	/** Per column: its values as longs, or null for a text column. */
	private final long[][] numbers;

	/** Per column: its values, or null for a column of another type. */
	private final String[][] texts;

	/** Per column: which rows hold NULL, or null for a column that never does. */
	private final boolean[][] nulls;

	/** The keys that order rows of one leading key, as column indexes. */
	private final int[] orderKeys;

	private int size;

	private int capacity;

	/**
	 * Creates an empty block.
	 * @param table the table whose rows it holds
	 * @param capacity rows it has room for before it grows
	 */
	RowBlock(ArchiveTable table, int capacity) {
		List<ArchiveColumn> columns = table.columns();
		this.table = table;
		this.types = new ArchiveColumn.Type[columns.size()];
		this.numbers = new long[columns.size()][];
		this.texts = new String[columns.size()][];
		this.nulls = new boolean[columns.size()][];
		this.capacity = Math.max(1, capacity);
		for (int i = 0; i < columns.size(); i++) {
			ArchiveColumn column = columns.get(i);
			this.types[i] = column.type();
			if (column.type() == ArchiveColumn.Type.TEXT) {
				this.texts[i] = new String[this.capacity];
			}
			else {
				this.numbers[i] = new long[this.capacity];
			}
			if (column.nullable()) {
				this.nulls[i] = new boolean[this.capacity];
			}
		}
		String[] names = table.orderBy().split(",");
		this.orderKeys = new int[names.length - 1];
		for (int i = 1; i < names.length; i++) {
			this.orderKeys[i - 1] = table.columnIndex(names[i].trim());
		}
	}

	ArchiveTable table() {
		return this.table;
	}

	int size() {
		return this.size;
	}

	/** Empties the block; it keeps its room. */
	void clear() {
		for (String[] text : this.texts) {
			if (text != null) {
				Arrays.fill(text, 0, this.size, null); // no references kept alive
			}
		}
		this.size = 0;
	}

	/**
	 * Appends a row whose values the caller then sets, every column of it.
	 * @return its index
	 */
	int append() {
		if (this.size == this.capacity) {
			grow();
		}
		return this.size++;
	}

	void setNumber(int column, int row, long value) {
		this.numbers[column][row] = value;
		if (this.nulls[column] != null) {
			this.nulls[column][row] = false;
		}
	}

	void setText(int column, int row, String value) {
		this.texts[column][row] = value;
		if (this.nulls[column] != null) {
			this.nulls[column][row] = false;
		}
	}

	/**
	 * Sets a value to NULL.
	 * @throws IllegalArgumentException for a column that cannot hold NULL
	 */
	void setNull(int column, int row) {
		if (this.nulls[column] == null) {
			throw new IllegalArgumentException("Column " + this.table.columns().get(column).name() + " of "
					+ this.table.tableName() + " cannot hold NULL");
		}
		this.nulls[column][row] = true;
	}

	boolean isNull(int column, int row) {
		return this.nulls[column] != null && this.nulls[column][row];
	}

	long number(int column, int row) {
		return this.numbers[column][row];
	}

	String text(int column, int row) {
		return this.texts[column][row];
	}

	/**
	 * Appends a copy of a row of another block of the same table.
	 * @param from the block
	 * @param row the row's index there
	 */
	void add(RowBlock from, int row) {
		int to = append();
		for (int column = 0; column < this.types.length; column++) {
			if (this.texts[column] != null) {
				this.texts[column][to] = from.texts[column][row];
			}
			else {
				this.numbers[column][to] = from.numbers[column][row];
			}
			if (this.nulls[column] != null) {
				this.nulls[column][to] = from.nulls[column][row];
			}
		}
	}

	/**
	 * Appends a row given with the value classes of {@link ArchiveColumn}.
	 * @param row the row, one value per column
	 */
	void add(Object[] row) {
		int to = append();
		for (int column = 0; column < this.types.length; column++) {
			Object value = row[column];
			if (value == null) {
				setNull(column, to);
				continue;
			}
			switch (this.types[column]) {
				case TEXT -> setText(column, to, (String) value);
				case BIGINT, TIMESTAMPTZ -> setNumber(column, to, (Long) value);
				case SMALLINT, INTEGER, DATE -> setNumber(column, to, (Integer) value);
				case FLOAT8 -> setNumber(column, to, Double.doubleToRawLongBits((Double) value));
				case FLOAT4 -> setNumber(column, to, Float.floatToRawIntBits((Float) value));
			}
		}
	}

	/**
	 * Returns a row with the value classes of {@link ArchiveColumn}.
	 * @param row its index
	 * @return a new array
	 */
	Object[] row(int row) {
		Object[] values = new Object[this.types.length];
		for (int column = 0; column < values.length; column++) {
			values[column] = value(column, row);
		}
		return values;
	}

	/**
	 * Returns one value with the class of {@link ArchiveColumn}.
	 */
	Object value(int column, int row) {
		if (isNull(column, row)) {
			return null;
		}
		long number = (this.numbers[column] != null) ? this.numbers[column][row] : 0;
		return switch (this.types[column]) {
			case TEXT -> this.texts[column][row];
			case BIGINT, TIMESTAMPTZ -> number;
			case SMALLINT, INTEGER, DATE -> (int) number;
			case FLOAT8 -> Double.longBitsToDouble(number);
			case FLOAT4 -> Float.intBitsToFloat((int) number);
		};
	}

	/**
	 * Returns whether a column holds the same value in a row of this block and a row of
	 * another.
	 */
	boolean sameValue(int column, int row, RowBlock other, int otherRow) {
		return compareValue(column, row, other, otherRow) == 0;
	}

	/**
	 * Compares a column's values as {@link ArchiveTable#rowOrder()} does: nulls last,
	 * numbers by value, texts by UTF-16 code units.
	 */
	int compareValue(int column, int row, RowBlock other, int otherRow) {
		boolean leftNull = isNull(column, row);
		boolean rightNull = other.isNull(column, otherRow);
		if (leftNull || rightNull) {
			return (leftNull) ? ((rightNull) ? 0 : 1) : -1;
		}
		return switch (this.types[column]) {
			case TEXT -> this.texts[column][row].compareTo(other.texts[column][otherRow]);
			case BIGINT, TIMESTAMPTZ, SMALLINT, INTEGER, DATE ->
				Long.compare(this.numbers[column][row], other.numbers[column][otherRow]);
			case FLOAT8 -> Double.compare(Double.longBitsToDouble(this.numbers[column][row]),
					Double.longBitsToDouble(other.numbers[column][otherRow]));
			case FLOAT4 -> Float.compare(Float.intBitsToFloat((int) this.numbers[column][row]),
					Float.intBitsToFloat((int) other.numbers[column][otherRow]));
		};
	}

	/**
	 * Returns the rows' indexes in {@link ArchiveTable#rowOrderWithinLeadingKey()} order,
	 * by a stable merge sort: the same order as {@link java.util.List#sort} of the rows
	 * with that comparator. Rows already in order (as PostgreSQL often sends a user's)
	 * cost one pass.
	 * @param order an array to reuse, or null
	 * @return the indexes, in an array of at least {@link #size()} elements
	 */
	int[] sortedOrder(int[] order) {
		int[] indexes = (order != null && order.length >= this.size) ? order : new int[this.capacity];
		for (int i = 0; i < this.size; i++) {
			indexes[i] = i;
		}
		boolean sorted = true;
		for (int i = 1; i < this.size && sorted; i++) {
			sorted = compareRows(i - 1, i) <= 0;
		}
		if (!sorted) {
			mergeSort(indexes, Arrays.copyOf(indexes, this.size), 0, this.size);
		}
		return indexes;
	}

	private int compareRows(int left, int right) {
		for (int key : this.orderKeys) {
			int compared = compareValue(key, left, this, right);
			if (compared != 0) {
				return compared;
			}
		}
		return 0;
	}

	/**
	 * Sorts {@code to[from..until)}, using {@code work}, which holds the same indexes.
	 */
	private void mergeSort(int[] to, int[] work, int from, int until) {
		if (until - from <= 16) {
			for (int i = from + 1; i < until; i++) {
				int row = to[i];
				int j = i - 1;
				while (j >= from && compareRows(to[j], row) > 0) {
					to[j + 1] = to[j];
					j--;
				}
				to[j + 1] = row;
			}
			return;
		}
		int middle = (from + until) >>> 1;
		// sort both halves of work, then merge them into to
		mergeSort(work, to, from, middle);
		mergeSort(work, to, middle, until);
		if (compareRows(work[middle - 1], work[middle]) <= 0) {
			System.arraycopy(work, from, to, from, until - from);
			return;
		}
		int left = from;
		int right = middle;
		for (int i = from; i < until; i++) {
			if (right >= until || (left < middle && compareRows(work[left], work[right]) <= 0)) {
				to[i] = work[left++];
			}
			else {
				to[i] = work[right++];
			}
		}
	}

	private void grow() {
		int grown = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(16, this.capacity * 2L));
		for (int column = 0; column < this.types.length; column++) {
			if (this.texts[column] != null) {
				this.texts[column] = Arrays.copyOf(this.texts[column], grown);
			}
			else {
				this.numbers[column] = Arrays.copyOf(this.numbers[column], grown);
			}
			if (this.nulls[column] != null) {
				this.nulls[column] = Arrays.copyOf(this.nulls[column], grown);
			}
		}
		this.capacity = grown;
	}

}
