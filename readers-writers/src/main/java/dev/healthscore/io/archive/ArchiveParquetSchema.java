package dev.healthscore.io.archive;

import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type.Repetition;
import org.apache.parquet.schema.Types;
import org.apache.parquet.schema.Types.MessageTypeBuilder;

/**
 * The Parquet schema of an archived table, in types Athena engine v3 reads natively:
 * INT64, INT32, DOUBLE, FLOAT, UTF-8 strings, DATE, and timestamps as INT64
 * TIMESTAMP(MILLIS, UTC), each followed by an INT64 {@code <name>_micros} column that
 * keeps the exact microseconds.
 */
public final class ArchiveParquetSchema {

	private ArchiveParquetSchema() {
	}

	/**
	 * Returns the Parquet schema of a table.
	 * @param table the table
	 * @return the message type, named after the table
	 */
	public static MessageType of(ArchiveTable table) {
		MessageTypeBuilder message = Types.buildMessage();
		for (ArchiveColumn column : table.columns()) {
			Repetition repetition = column.nullable() ? Repetition.OPTIONAL : Repetition.REQUIRED;
			switch (column.type()) {
				case BIGINT -> message.primitive(PrimitiveTypeName.INT64, repetition).named(column.name());
				case SMALLINT, INTEGER -> message.primitive(PrimitiveTypeName.INT32, repetition).named(column.name());
				case TEXT -> message.primitive(PrimitiveTypeName.BINARY, repetition)
					.as(LogicalTypeAnnotation.stringType())
					.named(column.name());
				case FLOAT8 -> message.primitive(PrimitiveTypeName.DOUBLE, repetition).named(column.name());
				case FLOAT4 -> message.primitive(PrimitiveTypeName.FLOAT, repetition).named(column.name());
				case DATE -> message.primitive(PrimitiveTypeName.INT32, repetition)
					.as(LogicalTypeAnnotation.dateType())
					.named(column.name());
				case TIMESTAMPTZ -> {
					message.primitive(PrimitiveTypeName.INT64, repetition)
						.as(LogicalTypeAnnotation.timestampType(true, TimeUnit.MILLIS))
						.named(column.name());
					message.primitive(PrimitiveTypeName.INT64, repetition)
						.named(column.name() + ArchiveColumn.MICROS_SUFFIX);
				}
			}
		}
		return message.named(table.tableName());
	}

}
