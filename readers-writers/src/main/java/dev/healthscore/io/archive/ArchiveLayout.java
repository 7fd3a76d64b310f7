package dev.healthscore.io.archive;

import java.time.YearMonth;
import java.util.Locale;

import dev.healthscore.io.s3.S3Location;

/**
 * The deterministic S3 keys of the archive, Hive style so that Athena's partition
 * projection finds them: {@code <prefix>/health_reading/month=2025-01/part-00000.parquet}
 * and, beside the data files, {@code _manifest.json} (Athena skips names starting with an
 * underscore).
 *
 * @param bucket the bucket
 * @param prefix the key prefix, possibly empty
 */
public record ArchiveLayout(String bucket, String prefix) {

	/** Name of the manifest object in each month folder. */
	public static final String MANIFEST_NAME = "_manifest.json";

	/** Ending of data file names. */
	public static final String DATA_FILE_SUFFIX = ".parquet";

	/**
	 * Returns the folder of a table's month, or of the whole table when it is not
	 * partitioned.
	 * @param table the table
	 * @param month the month, null for tables without partitions
	 * @return the folder, its key ending with a slash
	 */
	public S3Location folder(ArchiveTable table, YearMonth month) {
		if (table.partitioned() == (month == null)) {
			throw new IllegalArgumentException("Invalid month for " + table.tableName() + ": " + month);
		}
		String tableFolder = (this.prefix.isEmpty() ? "" : this.prefix + "/") + table.tableName() + "/";
		return new S3Location(this.bucket, (month != null) ? tableFolder + "month=" + month + "/" : tableFolder);
	}

	/**
	 * Returns the location of a data file.
	 * @param table the table
	 * @param month the month, null for tables without partitions
	 * @param index the file's index in the month, from 0
	 * @return the data file's location
	 */
	public S3Location dataFile(ArchiveTable table, YearMonth month, int index) {
		return folder(table, month).resolve(String.format(Locale.ROOT, "part-%05d%s", index, DATA_FILE_SUFFIX));
	}

	/**
	 * Returns the location of a month's manifest.
	 * @param table the table
	 * @param month the month, null for tables without partitions
	 * @return the manifest's location
	 */
	public S3Location manifest(ArchiveTable table, YearMonth month) {
		return folder(table, month).resolve(MANIFEST_NAME);
	}

}
