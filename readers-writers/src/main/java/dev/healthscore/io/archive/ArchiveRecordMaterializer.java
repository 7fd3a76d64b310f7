package dev.healthscore.io.archive;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

import org.apache.parquet.column.Dictionary;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordMaterializer;

/**
 * Turns Parquet records of {@link ArchiveParquetSchema} back into rows, checking on the
 * way that each millisecond timestamp agrees with its exact microsecond column.
 */
final class ArchiveRecordMaterializer extends RecordMaterializer<Object[]> {

	private final ArchiveTable table;

	private final RowConverter root;

	ArchiveRecordMaterializer(ArchiveTable table) {
		this.table = table;
		this.root = new RowConverter(table);
	}

	@Override
	public Object[] getCurrentRecord() {
		Object[] row = this.root.row;
		List<ArchiveColumn> columns = this.table.columns();
		for (int i = 0; i < columns.size(); i++) {
			Long millis = this.root.millis[i];
			if (columns.get(i).type() == ArchiveColumn.Type.TIMESTAMPTZ
					&& !Objects.equals(millis, (row[i] != null) ? Math.floorDiv((Long) row[i], 1000L) : null)) {
				throw new IllegalStateException("Invalid archive row, " + columns.get(i).name() + " is " + millis
						+ " ms but its micros column says " + row[i]);
			}
		}
		return row;
	}

	@Override
	public GroupConverter getRootConverter() {
		return this.root;
	}

	private static final class RowConverter extends GroupConverter {

		private final List<Converter> converters = new ArrayList<>();

		private final int columnCount;

		private Object[] row;

		private Long[] millis;

		RowConverter(ArchiveTable table) {
			List<ArchiveColumn> columns = table.columns();
			this.columnCount = columns.size();
			for (int i = 0; i < columns.size(); i++) {
				int index = i;
				if (columns.get(i).type() == ArchiveColumn.Type.TIMESTAMPTZ) {
					this.converters.add(new LongConverter((value) -> this.millis[index] = value));
				}
				this.converters.add(valueConverter(columns.get(i).type(), index));
			}
		}

		private Converter valueConverter(ArchiveColumn.Type type, int index) {
			return switch (type) {
				case BIGINT, TIMESTAMPTZ -> new LongConverter((value) -> this.row[index] = value);
				case SMALLINT, INTEGER, DATE -> new PrimitiveConverter() {
					@Override
					public void addInt(int value) {
						RowConverter.this.row[index] = value;
					}
				};
				case TEXT -> new TextConverter((value) -> this.row[index] = value);
				case FLOAT8 -> new PrimitiveConverter() {
					@Override
					public void addDouble(double value) {
						RowConverter.this.row[index] = value;
					}
				};
				case FLOAT4 -> new PrimitiveConverter() {
					@Override
					public void addFloat(float value) {
						RowConverter.this.row[index] = value;
					}
				};
			};
		}

		@Override
		public Converter getConverter(int fieldIndex) {
			return this.converters.get(fieldIndex);
		}

		@Override
		public void start() {
			this.row = new Object[this.columnCount];
			this.millis = new Long[this.columnCount];
		}

		@Override
		public void end() {
		}

	}

	/**
	 * Decodes a text column's dictionary once per column chunk, so that a value repeated
	 * through a row group is one String (which {@link RowChecksum} encodes once).
	 */
	private static final class TextConverter extends PrimitiveConverter {

		private final Consumer<String> target;

		private String[] dictionary;

		TextConverter(Consumer<String> target) {
			this.target = target;
		}

		@Override
		public boolean hasDictionarySupport() {
			return true;
		}

		@Override
		public void setDictionary(Dictionary dictionary) {
			this.dictionary = new String[dictionary.getMaxId() + 1];
			for (int id = 0; id <= dictionary.getMaxId(); id++) {
				this.dictionary[id] = dictionary.decodeToBinary(id).toStringUsingUTF8();
			}
		}

		@Override
		public void addValueFromDictionary(int dictionaryId) {
			this.target.accept(this.dictionary[dictionaryId]);
		}

		@Override
		public void addBinary(Binary value) {
			this.target.accept(value.toStringUsingUTF8());
		}

	}

	private static final class LongConverter extends PrimitiveConverter {

		private final LongConsumer target;

		LongConverter(LongConsumer target) {
			this.target = target;
		}

		@Override
		public void addLong(long value) {
			this.target.accept(value);
		}

	}

}
