package dev.healthscore.jobs.archive;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

import com.zaxxer.hikari.HikariDataSource;
import dev.healthscore.io.archive.ArchiveLayout;
import dev.healthscore.io.archive.ArchiveManifest;
import dev.healthscore.io.archive.ArchiveManifests;
import dev.healthscore.io.archive.ArchiveState;
import dev.healthscore.io.archive.ArchiveTable;
import dev.healthscore.io.archive.ChecksumSql;
import dev.healthscore.io.archive.ContentChecksum;
import dev.healthscore.io.s3.EmbeddedS3Server;
import dev.healthscore.jobs.HealthScoreApplication;
import dev.healthscore.io.embedded.TemporaryPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real servers of the archive tests: a PostgreSQL holding one generated and scored
 * data set as a template, copied into a fresh database per test, and an in-process S3
 * server that the application reaches as a configured endpoint. Data: N users from
 * 2024-12-28 to 2025-02-10, about 1,800 readings a user; runs happen on 2026-03-15, so
 * the hot window archives December and January and keeps February.
 */
final class ArchiveTestServers implements AutoCloseable {

	static final Instant NOW = Instant.parse("2026-03-15T12:00:00Z");

	static final String BUCKET = "archive-tests";

	/** The table months a run on {@link #NOW} archives. */
	static final List<Partition> ARCHIVED = List.of(new Partition(ArchiveTable.HEALTH_READING, "2024-12"),
			new Partition(ArchiveTable.HEALTH_READING, "2025-01"), new Partition(ArchiveTable.HEALTH_SCORE, "2024-12"),
			new Partition(ArchiveTable.HEALTH_SCORE, "2025-01"));

	private final TemporaryPostgres postgres;

	private final EmbeddedS3Server server;

	private final S3Client s3;

	private final List<HikariDataSource> dataSources = new ArrayList<>();

	private ArchiveTestServers(TemporaryPostgres postgres, EmbeddedS3Server server) {
		this.postgres = postgres;
		this.server = server;
		this.s3 = server.newClient();
	}

	static ArchiveTestServers start(int users) throws IOException {
		TemporaryPostgres postgres = TemporaryPostgres
			.start(EmbeddedPostgres.builder().setServerConfig("fsync", "off"));
		EmbeddedS3Server server = EmbeddedS3Server.inMemory();
		server.createBucket(BUCKET);
		// the SDK's default credentials chain reads these, as it reads the task role in
		// production
		System.setProperty("aws.accessKeyId", server.accessKey());
		System.setProperty("aws.secretAccessKey", server.secretKey());
		ArchiveTestServers servers = new ArchiveTestServers(postgres, server);
		new JdbcTemplate(postgres.getPostgresDatabase()).execute("CREATE DATABASE seeded");
		assertThat(servers.app("seeded", NOW, null, "generate", "--users=" + users, "--days=45", "--seed=3",
				"--end=2025-02-10"))
			.isZero();
		assertThat(servers.app("seeded", NOW, null, "run", "recompute", "--from=2024-12-28", "--to=2025-02-10"))
			.isZero();
		return servers;
	}

	/**
	 * Copies the data set into a new database, keeping a copy of each archived partition
	 * as {@code original_<partition>}.
	 */
	JdbcTemplate database(String name) {
		new JdbcTemplate(this.postgres.getPostgresDatabase()).execute("CREATE DATABASE " + name + " TEMPLATE seeded");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource(name));
		ARCHIVED.forEach((partition) -> jdbc
			.execute("CREATE TABLE original_" + partition.name() + " AS TABLE " + partition.name()));
		return jdbc;
	}

	/** Runs the application on a database, with a fixed clock and a step listener. */
	int app(String database, Instant now, ArchiveStepListener listener, String... args) {
		List<String> all = new ArrayList<>(List.of(args));
		all.add("--healthscore.archive.endpoint=" + this.server.endpoint());
		all.add("--healthscore.archive.region=" + this.server.region().id());
		all.add("--healthscore.archive.bucket=" + BUCKET);
		all.add("--healthscore.archive.prefix=" + database);
		all.add("--healthscore.archive.target-file-size=256KB");
		all.add("--healthscore.archive.row-group-size=128KB");
		return appWithoutStorage(database, now, listener, all.toArray(String[]::new));
	}

	/**
	 * Runs the application on a database without configuring S3, with a fixed clock and a
	 * step listener.
	 */
	int appWithoutStorage(String database, Instant now, ArchiveStepListener listener, String... args) {
		List<String> all = new ArrayList<>(List.of(args));
		all.add("--spring.datasource.url=" + this.postgres.getJdbcUrl("postgres", database));
		all.add("--spring.datasource.username=postgres");
		Map<String, Object> beans = new HashMap<>();
		beans.put("clock", Clock.fixed(now, ZoneOffset.UTC));
		if (listener != null) {
			beans.put("archiveStepListener", listener);
		}
		return HealthScoreApplication.run(beans, all.toArray(String[]::new));
	}

	/** A listener that throws once, right after the first table month reaches a state. */
	static ArchiveStepListener crashAfter(ArchiveState state) {
		AtomicBoolean crashed = new AtomicBoolean();
		return (table, month, reached) -> {
			if (reached == state && crashed.compareAndSet(false, true)) {
				throw new IllegalStateException("Injected crash after " + table.partitionName(month) + " " + state);
			}
		};
	}

	/** The checksum of each archived partition, as PostgreSQL computes it. */
	static Map<String, ContentChecksum> checksums(JdbcTemplate jdbc) {
		Map<String, ContentChecksum> checksums = new HashMap<>();
		for (Partition partition : ARCHIVED) {
			checksums.put(partition.name(), jdbc.execute((Connection connection) -> {
				try {
					return ChecksumSql.compute(connection, partition.table(), partition.name());
				}
				catch (SQLException ex) {
					throw new IllegalStateException(ex);
				}
			}));
		}
		return checksums;
	}

	/** Every object key under a test's prefix. */
	Set<String> objects(String database) {
		Set<String> keys = new TreeSet<>();
		this.s3.listObjectsV2Paginator((request) -> request.bucket(BUCKET).prefix(database + "/"))
			.contents()
			.stream()
			.map(S3Object::key)
			.forEach(keys::add);
		return keys;
	}

	/**
	 * The keys the manifests of the archived months and of the snapshot list, with the
	 * manifests themselves: what a test's prefix must hold, nothing more.
	 */
	Set<String> expectedObjects(String database) {
		ArchiveManifests manifests = new ArchiveManifests(this.s3, new ArchiveLayout(BUCKET, database));
		Set<String> keys = new TreeSet<>();
		List<ArchiveManifest> all = new ArrayList<>();
		for (Partition partition : ARCHIVED) {
			all.add(manifests.read(partition.table(), partition.month()));
		}
		all.add(manifests.read(ArchiveTable.APP_USER, null));
		for (ArchiveManifest manifest : all) {
			keys.add(manifest.location().substring(("s3://" + BUCKET + "/").length()) + "_manifest.json");
			manifest.files().forEach((file) -> keys.add(file.key()));
		}
		return keys;
	}

	boolean noUnfinishedUploads() {
		return this.s3.listMultipartUploads((request) -> request.bucket(BUCKET)).uploads().isEmpty();
	}

	S3Client s3() {
		return this.s3;
	}

	/** The S3 server, for a process of its own to reach. */
	EmbeddedS3Server s3Server() {
		return this.server;
	}

	/** The JDBC URL of a database. */
	String jdbcUrl(String database) {
		return this.postgres.getJdbcUrl("postgres", database);
	}

	HikariDataSource dataSource(String database) {
		HikariDataSource dataSource = new HikariDataSource();
		dataSource.setJdbcUrl(this.postgres.getJdbcUrl("postgres", database));
		dataSource.setUsername("postgres");
		dataSource.setMaximumPoolSize(2);
		this.dataSources.add(dataSource);
		return dataSource;
	}

	@Override
	public void close() throws IOException {
		System.clearProperty("aws.accessKeyId");
		System.clearProperty("aws.secretAccessKey");
		this.dataSources.forEach(HikariDataSource::close);
		this.s3.close();
		this.server.close();
		this.postgres.close();
	}

	/**
	 * One archived table month.
	 *
	 * @param table the table
	 * @param month the month
	 */
	record Partition(ArchiveTable table, YearMonth month) {

		Partition(ArchiveTable table, String month) {
			this(table, YearMonth.parse(month));
		}

		String name() {
			return this.table.partitionName(this.month);
		}

	}

}
