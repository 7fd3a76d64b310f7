package dev.healthscore.io.archive;

import java.io.IOException;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.healthscore.io.archive.ArchiveManifest.ArchiveFile;
import dev.healthscore.io.s3.S3Location;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Writes sorted rows of one table month as {@code part-00000.parquet},
 * {@code part-00001.parquet}… in S3, starting the next file when the current one reaches
 * the target size. Unless {@link #finish()} succeeds, {@link #close()} aborts the open
 * upload.
 */
final class RollingArchiveWriter implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(RollingArchiveWriter.class);

	/** Rows between two looks at the file size (asking parquet-java is not free). */
	private static final int SIZE_CHECK_INTERVAL = 1000;

	private final S3Client s3;

	private final ArchiveSettings settings;

	private final ArchiveTable table;

	private final YearMonth month;

	private final Map<String, String> metadata;

	private final List<ArchiveFile> files = new ArrayList<>();

	private S3OutputFile file;

	private ArchiveParquetWriter writer;

	private long rowsInFile;

	private long fileStartNanos;

	private boolean finished;

	RollingArchiveWriter(S3Client s3, ArchiveSettings settings, ArchiveTable table, YearMonth month,
			Map<String, String> metadata) {
		this.s3 = s3;
		this.settings = settings;
		this.table = table;
		this.month = month;
		this.metadata = metadata;
	}

	/**
	 * Writes a row.
	 * @param row the row
	 */
	void write(Object[] row) throws IOException {
		if (this.writer == null) {
			openNextFile();
		}
		this.writer.write(row);
		this.rowsInFile++;
		if (this.rowsInFile % SIZE_CHECK_INTERVAL == 0 && this.writer.dataSize() >= this.settings.targetFileSize()) {
			closeFile();
		}
	}

	/**
	 * Completes the last file.
	 * @return every file written, in key order
	 */
	List<ArchiveFile> finish() throws IOException {
		if (this.writer != null) {
			closeFile();
		}
		this.finished = true;
		return List.copyOf(this.files);
	}

	@Override
	public void close() {
		if (!this.finished && this.file != null && this.file.stream() != null) {
			this.file.stream().abort();
		}
		this.finished = true;
	}

	private void openNextFile() throws IOException {
		S3Location location = this.settings.layout().dataFile(this.table, this.month, this.files.size());
		this.file = new S3OutputFile(this.s3, location, this.settings.partSize(), this.settings.encryption());
		this.writer = ArchiveParquetFiles.newWriter(this.file, this.table, this.settings, this.metadata);
		this.rowsInFile = 0;
		this.fileStartNanos = System.nanoTime();
	}

	private void closeFile() throws IOException {
		this.writer.close();
		// only now that the footer is written: an object without one is never completed
		this.file.stream().close();
		long bytes = this.file.stream().position();
		// the content checksum comes from verification, which reads the file back
		this.files.add(new ArchiveFile(this.file.stream().location().key(), this.rowsInFile, bytes, null,
				this.file.stream().sha256()));
		long millis = Math.max(1, (System.nanoTime() - this.fileStartNanos) / 1_000_000);
		logger.info("Wrote {} ({} rows, {} MiB) in {} ms, {} rows/s", this.file.getPath(), this.rowsInFile,
				String.format(Locale.ROOT, "%.1f", bytes / 1048576.0), millis, this.rowsInFile * 1000 / millis);
		this.writer = null;
		this.file = null;
	}

}
