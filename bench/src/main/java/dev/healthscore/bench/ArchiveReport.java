package dev.healthscore.bench;

import java.util.Locale;
import java.util.stream.Collectors;

import dev.healthscore.io.archive.ArchiveManifest;
import dev.healthscore.io.archive.ArchiveState;
import dev.healthscore.io.archive.ArchiveWriterTiming;

/**
 * The numbers the archive benchmark prints.
 *
 * @param users the generated users
 * @param rows the rows of the benchmarked partition
 * @param arrivalOrder whether the rows were stored in the order they arrived, not user by
 * user as generated
 * @param loadAverage the machine's load average when the benchmark started
 * @param copy the best of two binary COPYs of the partition as stored
 * @param sorted a binary COPY of the partition in the archive's sort order
 * @param jobSeconds the whole archive job, application start included
 * @param steps when the month reached each ledger state
 * @param heap the heap's peaks during the job
 * @param manifest the month's manifest
 * @param duck DuckDB writing the same rows
 * @param duckExport DuckDB doing the export's job (rows from PostgreSQL, sorted, to
 * Parquet), or null when not measured
 * @param writer the archive's Parquet writer alone on the same rows, as DuckDB's is
 * timed, or null when not measured
 */
record ArchiveReport(int users, long rows, boolean arrivalOrder, double loadAverage, BenchDatabase.CopyResult copy,
		BenchDatabase.CopyResult sorted, double jobSeconds, ArchiveBenchmark.StepTimes steps, HeapSampler.Peak heap,
		ArchiveManifest manifest, ArchiveBenchmark.DuckDbWrite duck, ArchiveBenchmark.DuckDbExport duckExport,
		ArchiveWriterTiming.Result writer) {

	private static final double MIB = 1024 * 1024;

	void print() {
		double export = this.steps.seconds(ArchiveState.EXPORTING, ArchiveState.EXPORTED);
		double verify = this.steps.seconds(ArchiveState.EXPORTED, ArchiveState.VERIFIED);
		double detach = this.steps.seconds(ArchiveState.VERIFIED, ArchiveState.DETACHED);
		double duckRows = this.duck.rows() / this.duck.writeSeconds();
		System.out.printf(Locale.ROOT, "%narchive benchmark (%d cores, %s, load average %.1f at start)%n",
				Runtime.getRuntime().availableProcessors(), Benchmarks.heap(), this.loadAverage);
		System.out.printf(Locale.ROOT, "data:             %,d users x 31 days; %s holds %,d rows, stored %s%n",
				this.users, this.manifest.sourcePartition(), this.rows,
				this.arrivalOrder ? "in arrival order (ingested_at)" : "user by user, as generated");
		System.out.printf(Locale.ROOT,
				"COPY binary out:  %.2f s best of 2 (%,.0f rows/s, %.1f MiB at %.1f MiB/s), the partition as stored;"
						+ " %.2f s CPU of PostgreSQL%n",
				this.copy.seconds(), this.copy.rows() / this.copy.seconds(), this.copy.bytes() / MIB,
				this.copy.bytes() / MIB / this.copy.seconds(), this.copy.postgresCpuSeconds());
		System.out.printf(Locale.ROOT,
				"COPY by user out: %.2f s (%,.0f rows/s), the export's query: ORDER BY user_id after a sequential"
						+ " scan; first row after %.2f s; %.2f s CPU of PostgreSQL%n",
				this.sorted.seconds(), this.sorted.rows() / this.sorted.seconds(), this.sorted.firstRowSeconds(),
				this.sorted.postgresCpuSeconds());
		double exportCpu = this.steps.cpuSeconds(ArchiveState.EXPORTING, ArchiveState.EXPORTED);
		double exportPostgresCpu = this.steps.postgresCpuSeconds(ArchiveState.EXPORTING, ArchiveState.EXPORTED);
		System.out.printf(Locale.ROOT,
				"archive export:   %.2f s, %,.0f rows/s, %.1f MiB/s of Parquet (%.1f MiB/s of COPY input);"
						+ " %.2f s CPU of this JVM (%.2f s of it the in-process S3 server's, %.2f s its JIT compilers'),"
						+ " %.2f s of PostgreSQL:" + " %.0f%% of %d cores busy%n",
				export, this.manifest.rows() / export, this.manifest.bytes() / MIB / export,
				this.copy.bytes() / MIB / export, exportCpu,
				this.steps.s3ServerCpuSeconds(ArchiveState.EXPORTING, ArchiveState.EXPORTED),
				this.steps.compilerCpuSeconds(ArchiveState.EXPORTING, ArchiveState.EXPORTED), exportPostgresCpu,
				100 * (exportCpu + exportPostgresCpu) / (export * Runtime.getRuntime().availableProcessors()),
				Runtime.getRuntime().availableProcessors());
		System.out.printf(Locale.ROOT, "  files:          %d, %.1f MiB in all, %s compression: %s%n",
				this.manifest.files().size(), this.manifest.bytes() / MIB, this.manifest.compression(),
				this.manifest.files()
					.stream()
					.map((file) -> String.format(Locale.ROOT, "%.1f MiB", file.bytes() / MIB))
					.collect(Collectors.joining(", ")));
		System.out.printf(Locale.ROOT,
				"archive verify:   %.2f s, %,.0f rows/s (read back from S3, checksum by SQL meanwhile);"
						+ " %.2f s CPU of this JVM%n",
				verify, this.manifest.rows() / verify,
				this.steps.cpuSeconds(ArchiveState.EXPORTED, ArchiveState.VERIFIED));
		System.out.printf(Locale.ROOT, "archive detach:   %.3f s (concurrently)%n", detach);
		System.out.printf(Locale.ROOT,
				"archive job:      %.1f s whole run (application start, app_user snapshot, spill-over month"
						+ " 2024-12)%n",
				this.jobSeconds);
		System.out.printf(Locale.ROOT, "peak heap:        %,d MiB sampled every 10 ms (sum of pool peaks %,d MiB)%n",
				this.heap.sampled() >> 20, this.heap.poolPeaks() >> 20);
		System.out.printf(Locale.ROOT,
				"DuckDB:           wrote the same %,d rows to Parquet (zstd) in %.2f s: %,.0f rows/s, %.1f MiB"
						+ " at %.1f MiB/s (loading them from our files took %.2f s)%n",
				this.duck.rows(), this.duck.writeSeconds(), duckRows, this.duck.bytes() / MIB,
				this.duck.bytes() / MIB / this.duck.writeSeconds(), this.duck.loadSeconds());
		System.out.printf(Locale.ROOT,
				"                  sorted them in the archive's order and wrote them in %.2f s%n",
				this.duck.sortAndWriteSeconds());
		if (this.duckExport != null) {
			System.out.printf(Locale.ROOT,
					"DuckDB export:    %.2f s: %,.0f rows/s, the export's job done by DuckDB: the partition out of"
							+ " PostgreSQL as stored (COPY as CSV through a pipe), sorted like the archive by"
							+ " DuckDB, written to Parquet (zstd), %.1f MiB; PostgreSQL's CSV COPY alone takes"
							+ " %.2f s%n",
					this.duckExport.seconds(), this.duckExport.rows() / this.duckExport.seconds(),
					this.duckExport.bytes() / MIB, this.duckExport.csvSeconds());
		}
		if (this.writer != null) {
			System.out.printf(Locale.ROOT,
					"our writer alone: wrote the same %,d rows from memory to a local file in %.2f s (%.2f s CPU, one"
							+ " thread): %,.0f rows/s, %.1f MiB; as DuckDB is timed, without reading PostgreSQL%n",
					this.writer.rows(), this.writer.seconds(), this.writer.cpuSeconds(),
					this.writer.rows() / this.writer.seconds(), this.writer.bytes() / MIB);
		}
		System.out.printf(Locale.ROOT,
				"ratios:           export / COPY = %.2f (target <= 2); export + verify / COPY = %.2f%n",
				export / this.copy.seconds(), (export + verify) / this.copy.seconds());
		System.out.printf(Locale.ROOT, "                  export rows/s / DuckDB rows/s = %.2f (target >= 0.5)%n",
				(this.manifest.rows() / export) / duckRows);
		if (this.duckExport != null) {
			System.out.printf(Locale.ROOT,
					"                  export rows/s / DuckDB export rows/s = %.2f (the same job: PostgreSQL to"
							+ " sorted Parquet)%n",
					this.duckExport.seconds() / export);
		}
		if (this.writer != null) {
			System.out.printf(Locale.ROOT,
					"                  writer alone rows/s / DuckDB rows/s = %.2f (not the target's measure:"
							+ " the export also reads PostgreSQL)%n",
					(this.writer.rows() / this.writer.seconds()) / duckRows);
		}
	}

}
