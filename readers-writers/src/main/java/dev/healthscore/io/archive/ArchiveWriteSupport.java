package dev.healthscore.io.archive;

import java.util.List;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;

/**
 * Writes rows of an {@link ArchiveTable} ({@code Object[]} in column order) as Parquet
 * records of {@link ArchiveParquetSchema}.
 */
final class ArchiveWriteSupport extends WriteSupport<Object[]> {

	private final List<ArchiveColumn> columns;

	private final MessageType schema;

	private final Map<String, String> metadata;

	/** The {@code *_micros} field names, by column index (null for other types). */
	private final String[] microsNames;

	private RecordConsumer consumer;

	ArchiveWriteSupport(ArchiveTable table, Map<String, String> metadata) {
		this.columns = table.columns();
		this.schema = ArchiveParquetSchema.of(table);
		this.metadata = Map.copyOf(metadata);
		this.microsNames = this.columns.stream()
			.map((column) -> (column.type() == ArchiveColumn.Type.TIMESTAMPTZ)
					? column.name() + ArchiveColumn.MICROS_SUFFIX : null)
			.toArray(String[]::new);
	}

	@Override
	public WriteContext init(Configuration configuration) {
		return new WriteContext(this.schema, this.metadata);
	}

	@Override
	public WriteContext init(ParquetConfiguration configuration) {
		return new WriteContext(this.schema, this.metadata);
	}

	@Override
	public void prepareForWrite(RecordConsumer recordConsumer) {
		this.consumer = recordConsumer;
	}

	@Override
	public void write(Object[] row) {
		this.consumer.startMessage();
		int field = 0;
		for (int i = 0; i < this.columns.size(); i++) {
			ArchiveColumn column = this.columns.get(i);
			Object value = row[i];
			if (column.type() == ArchiveColumn.Type.TIMESTAMPTZ) {
				if (value != null) {
					long micros = (Long) value;
					writeLong(field, column.name(), Math.floorDiv(micros, 1000L));
					writeLong(field + 1, this.microsNames[i], micros);
				}
				field += 2;
				continue;
			}
			if (value != null) {
				this.consumer.startField(column.name(), field);
				writeValue(column.type(), value);
				this.consumer.endField(column.name(), field);
			}
			field++;
		}
		this.consumer.endMessage();
	}

	private void writeLong(int field, String name, long value) {
		this.consumer.startField(name, field);
		this.consumer.addLong(value);
		this.consumer.endField(name, field);
	}

	private void writeValue(ArchiveColumn.Type type, Object value) {
		switch (type) {
			case BIGINT -> this.consumer.addLong((Long) value);
			case SMALLINT, INTEGER, DATE -> this.consumer.addInteger((Integer) value);
			case TEXT -> this.consumer.addBinary(Binary.fromString((String) value));
			case FLOAT8 -> this.consumer.addDouble((Double) value);
			case FLOAT4 -> this.consumer.addFloat((Float) value);
			case TIMESTAMPTZ -> throw new IllegalStateException("Timestamps are written in two fields");
		}
	}

}
