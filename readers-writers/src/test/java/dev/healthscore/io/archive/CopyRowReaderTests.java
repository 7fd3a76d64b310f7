package dev.healthscore.io.archive;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * Tests for {@link CopyRowReader} over a binary {@code COPY} in bytes: users sorted on
 * disk come out as users sorted in memory, and no run file outlives the reader.
 */
class CopyRowReaderTests {

	private static final ArchiveTable TABLE = ArchiveTable.HEALTH_READING;

	@TempDir
	Path directory;

	@Test
	void usersSortedOnDiskComeOutInTheSameOrderAsSortedInMemory() throws IOException {
		Random random = new Random(7);
		List<Object[]> copyOrder = new ArrayList<>();
		List<Object[]> expected = new ArrayList<>();
		for (long user = 1; user <= 40; user++) {
			// a heavy user among light ones
			List<Object[]> group = GroupSorterTests.heavyUser(user, (user == 17) ? 5_000 : random.nextInt(60), random);
			copyOrder.addAll(group);
			expected.addAll(GroupSorterTests.sortedInMemory(group));
		}
		byte[] copy = copy(copyOrder);
		List<Object[]> inMemory = readAll(copy, Integer.MAX_VALUE);
		assertThat(GroupSorterTests.values(inMemory)).isEqualTo(GroupSorterTests.values(expected));
		assertThat(GroupSorterTests.values(readAll(copy, 50))).isEqualTo(GroupSorterTests.values(inMemory));
		assertThat(files()).isEmpty();
	}

	@Test
	void closingBeforeTheEndDeletesTheRunsOfTheUserBeingSorted() throws IOException {
		List<Object[]> rows = GroupSorterTests.heavyUser(1, 20_000, new Random(8));
		rows.addAll(GroupSorterTests.heavyUser(2, 20_000, new Random(9)));
		try (CopyRowReader reader = new CopyRowReader(new ByteArrayInputStream(copy(rows)), TABLE,
				new GroupSorter(TABLE, 100, this.directory))) {
			assertThat(reader.next().size()).isPositive();
		}
		assertThat(files()).isEmpty();
	}

	@Test
	void aCopyThatBreaksOffInTheMiddleOfAUserSortedOnDiskFailsTheReadAndLeavesNoFile() throws IOException {
		byte[] copy = copy(GroupSorterTests.heavyUser(1, 10_000, new Random(11)));
		// the connection drops four fifths of the way through: dozens of runs written
		InputStream breaking = new ByteArrayInputStream(copy, 0, copy.length * 4 / 5) {

			@Override
			public synchronized int read(byte[] bytes, int offset, int length) {
				int read = super.read(bytes, offset, length);
				if (read < 0) {
					throw new UncheckedIOException(new IOException("Connection reset"));
				}
				return read;
			}

		};
		try (CopyRowReader reader = new CopyRowReader(breaking, TABLE, new GroupSorter(TABLE, 100, this.directory))) {
			assertThatExceptionOfType(UncheckedIOException.class).isThrownBy(reader::next)
				.withMessageEndingWith("Connection reset");
		}
		assertThat(files()).isEmpty();
	}

	@Test
	void aRunThatCannotBeReadBackFailsTheExportAndLeavesNoFile() throws IOException {
		GroupSorter.RunFiles failing = new GroupSorter.RunFiles() {

			@Override
			public InputStream open(Path file) throws IOException {
				throw new IOException("Input/output error");
			}

		};
		List<Object[]> rows = GroupSorterTests.heavyUser(1, 1_000, new Random(10));
		try (CopyRowReader reader = new CopyRowReader(new ByteArrayInputStream(copy(rows)), TABLE,
				new GroupSorter(TABLE, 100, this.directory, GroupSorter.MAX_RUNS, failing))) {
			assertThatIOException().isThrownBy(() -> {
				while (reader.next() != null) {
					// the first batch comes from the merge, which cannot open its runs
				}
			}).withMessage("Input/output error");
		}
		assertThat(files()).isEmpty();
	}

	private List<Object[]> readAll(byte[] copy, int sortBufferRows) throws IOException {
		List<Object[]> rows = new ArrayList<>();
		try (CopyRowReader reader = new CopyRowReader(new ByteArrayInputStream(copy), TABLE,
				new GroupSorter(TABLE, sortBufferRows, this.directory))) {
			for (CopyRowReader.Batch batch = reader.next(); batch != null; batch = reader.next()) {
				for (int i = 0; i < batch.size(); i++) {
					rows.add(batch.row(i));
				}
			}
		}
		return rows;
	}

	private static byte[] copy(List<Object[]> rows) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		PgBinaryCopy.Writer writer = new PgBinaryCopy.Writer(out, TABLE);
		for (Object[] row : rows) {
			writer.write(row);
		}
		writer.finish();
		return out.toByteArray();
	}

	private List<Path> files() throws IOException {
		try (Stream<Path> files = Files.list(this.directory)) {
			return files.toList();
		}
	}

}
