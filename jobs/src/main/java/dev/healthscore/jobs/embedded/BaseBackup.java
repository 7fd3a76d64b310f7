package dev.healthscore.jobs.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;

import javax.sql.DataSource;

/**
 * Takes a physical base backup of a running PostgreSQL without {@code pg_basebackup} (the
 * Maven-provided binaries do not bundle it): {@code pg_backup_start}, a file copy of the
 * data directory, {@code pg_backup_stop}, whose label file becomes the copy's
 * {@code backup_label}. The WAL written meanwhile is not copied: the standby streams it
 * from the primary, which keeps it for a replication slot created before the backup.
 */
final class BaseBackup {

	/** Files pg_basebackup leaves out: they describe the running server, not its data. */
	private static final Set<String> SKIPPED_FILES = Set.of("postmaster.pid", "postmaster.opts", "epg-lock",
			"backup_label", "backup_label.old", "tablespace_map", "standby.signal", "recovery.signal",
			"current_logfiles", "postgresql.auto.conf.tmp", "pg_internal.init");

	/**
	 * Directories pg_basebackup creates empty: their contents are rebuilt or streamed.
	 */
	private static final Set<String> EMPTIED_DIRECTORIES = Set.of("pg_wal", "pg_replslot", "pg_dynshmem", "pg_notify",
			"pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans");

	private BaseBackup() {
	}

	/**
	 * Copies the primary's data directory {@code source} to {@code target} as a base
	 * backup labelled {@code label}.
	 */
	static void take(DataSource primary, Path source, Path target, String label) throws IOException, SQLException {
		// a non-exclusive backup belongs to its session: closing the connection early
		// aborts it
		try (Connection connection = primary.getConnection()) {
			try (PreparedStatement start = connection.prepareStatement("SELECT pg_backup_start(?, true)")) {
				start.setString(1, label);
				start.execute();
			}
			copy(source, target);
			try (Statement stop = connection.createStatement();
					ResultSet rs = stop.executeQuery("SELECT labelfile, spcmapfile FROM pg_backup_stop(false)")) {
				rs.next();
				Files.writeString(target.resolve("backup_label"), rs.getString(1), StandardCharsets.UTF_8);
				String tablespaceMap = rs.getString(2);
				if (tablespaceMap != null && !tablespaceMap.isEmpty()) {
					Files.writeString(target.resolve("tablespace_map"), tablespaceMap, StandardCharsets.UTF_8);
				}
			}
		}
	}

	private static void copy(Path source, Path target) throws IOException {
		Files.walkFileTree(source, new SimpleFileVisitor<>() {

			@Override
			public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes)
					throws IOException {
				Path relative = source.relativize(directory);
				createPrivateDirectory(target.resolve(relative));
				if (relative.getNameCount() == 1 && EMPTIED_DIRECTORIES.contains(relative.toString())) {
					if (relative.toString().equals("pg_wal")) {
						createPrivateDirectory(target.resolve("pg_wal/archive_status"));
						createPrivateDirectory(target.resolve("pg_wal/summaries"));
					}
					return FileVisitResult.SKIP_SUBTREE;
				}
				return FileVisitResult.CONTINUE;
			}

			@Override
			public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
				String name = file.getFileName().toString();
				if (!SKIPPED_FILES.contains(name) && !name.startsWith("pgsql_tmp")) {
					copyFile(file, target.resolve(source.relativize(file)));
				}
				return FileVisitResult.CONTINUE;
			}

			@Override
			public FileVisitResult visitFileFailed(Path file, IOException ex) throws IOException {
				// the server removes files while it runs (temporary files, dropped
				// relations): replay recreates whatever the copy needs
				if (ex instanceof NoSuchFileException) {
					return FileVisitResult.CONTINUE;
				}
				throw ex;
			}

		});
	}

	private static void copyFile(Path file, Path to) throws IOException {
		try {
			Files.copy(file, to, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
		}
		catch (NoSuchFileException ex) {
			// removed while copying, as above
		}
	}

	/** PostgreSQL refuses a data directory that others can read. */
	static void createPrivateDirectory(Path directory) throws IOException {
		if (!Files.isDirectory(directory)) {
			Files.createDirectories(directory,
					PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
		}
	}

}
